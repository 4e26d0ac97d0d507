export const LFK_API_VERSION = '1.0.0';
