// The e-mail to an account's owners about a key revoked for exposure. Never the key itself.
import { DEFAULT_OUTBOUND_TIMEOUT_MS } from '../../platform/outbound/timeouts.js';
import type { KeyRevokedNotice } from './outbox.js';

export interface Mailer {
  send(message: { from: string; to: string[]; subject: string; text: string }): Promise<void>;
  close(): void;
}

/**
 * A mailer over `smtp://user:pass@host:port` or `smtps://…` (nodemailer, loaded on first use). A
 * server that does not connect, greet or answer within `timeoutMs` fails the attempt (retried later).
 */
export async function createSmtpMailer(url: string, options: { timeoutMs?: number } = {}): Promise<Mailer> {
  const { default: nodemailer } = await import('nodemailer');
  const timeoutMs = options.timeoutMs ?? DEFAULT_OUTBOUND_TIMEOUT_MS;
  // Options given beside `url` apply where the URL does not set them.
  const transport = nodemailer.createTransport({
    url,
    connectionTimeout: timeoutMs,
    greetingTimeout: timeoutMs,
    socketTimeout: timeoutMs,
  });
  return {
    async send(message) {
      await transport.sendMail(message);
    },
    close: () => transport.close(),
  };
}

const SOURCE_NAMES: Record<string, string> = {
  github: 'GitHub',
  gitguardian: 'GitGuardian',
  gitlab: 'GitLab',
  scanner: 'the lfk scanner',
  other: 'a leak report',
};

export function revocationEmail(
  notice: KeyRevokedNotice,
  accountName: string,
  publicUrl: string,
): { subject: string; text: string } {
  const where = [notice.exposure.url, notice.exposure.location].filter(Boolean).join('\n  ');
  const subject = `Your Trust Leads API key "${notice.key.name}" was leaked and has been revoked`;
  const text = [
    `Hello,`,
    ``,
    `The Trust Leads API key "${notice.key.name}" (${notice.key.display}) of the account ${accountName} was found in public by ${SOURCE_NAMES[notice.exposure.source] ?? notice.exposure.source}.`,
    `To protect the account, lfk revoked it at ${notice.at}. Requests made with it are refused from now on.`,
    ``,
    where ? `Where it was found:\n  ${where}\n` : `No location was reported.\n`,
    `What to do:`,
    `  1. Create a new key: ${publicUrl}/app/api-keys`,
    `  2. Put it where the old one was used, and keep it out of source code (use an environment variable or a secret store).`,
    `  3. Remove the old key from the place it leaked; it no longer works, but it should not stay public.`,
    ``,
    `Event id: ${notice.id}`,
  ].join('\n');
  return { subject, text };
}
