// The static files, addressed by a hash of their content so a browser may cache them.
import { createHash } from 'node:crypto';
import { APP_SCRIPT } from './assets/app-script.js';
import { APP_STYLE } from './assets/app-style.js';

const version = (text: string) => createHash('sha256').update(text).digest('hex').slice(0, 12);

export const SCRIPT_PATH = '/app/static/app.js';
export const STYLE_PATH = '/app/static/app.css';
export const SCRIPT_URL = `${SCRIPT_PATH}?v=${version(APP_SCRIPT)}`;
export const STYLE_URL = `${STYLE_PATH}?v=${version(APP_STYLE)}`;
export { APP_SCRIPT, APP_STYLE };
