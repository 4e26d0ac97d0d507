// /app/audit-log: the account's events, newest first, with what leaked where.
import type { FC } from 'hono/jsx';
import type { AuditEvent, Page } from '../../service/types.js';
import { HeaderRow, Layout, When, type Viewer } from '../layout.js';
import { withParams } from './api-keys.js';

const LABELS: Record<string, string> = {
  'key.created': 'Key created',
  'key.revoked': 'Key revoked',
  'key.rolled': 'Key rolled',
  'key.expired': 'Key expired',
  'key.exposed': 'Key exposed',
  'account.updated': 'Settings changed',
  'user.login': 'Signed in',
  'user.login_failed': 'Sign-in failed',
};

const text = (value: unknown): string | undefined => (typeof value === 'string' && value !== '' ? value : undefined);

/** A link only for web addresses: a report's URL is someone else's text. */
const SourceUrl: FC<{ url: string }> = ({ url }) =>
  /^https?:\/\//i.test(url) ? (
    <a href={url} rel="noopener noreferrer nofollow">
      {url}
    </a>
  ) : (
    <span>{url}</span>
  );

const Details: FC<{ event: AuditEvent }> = ({ event }) => {
  const data = event.data;
  switch (event.type) {
    case 'key.exposed': {
      const url = text(data.url);
      return (
        <span>
          Found by {text(data.source) ?? 'a report'}
          {url && (
            <>
              {' at '}
              <SourceUrl url={url} />
            </>
          )}
          {text(data.location) && <> ({text(data.location)})</>}
          {data.already_revoked === true ? '; it was already revoked.' : '.'}
        </span>
      );
    }
    case 'key.revoked':
      return (
        <span>
          Reason: {text(data.reason) ?? 'unknown'}
          {text(data.source) && <>, found by {text(data.source)}</>}
          {text(data.url) && (
            <>
              {' at '}
              <SourceUrl url={text(data.url)!} />
            </>
          )}
          {text(data.location) && <> ({text(data.location)})</>}
          {text(data.note) && <>. Note: {text(data.note)}</>}
        </span>
      );
    case 'key.created':
      return (
        <span>
          {[text(data.display), Array.isArray(data.scopes) ? `scopes: ${data.scopes.join(', ')}` : undefined]
            .filter(Boolean)
            .join(', ')}
        </span>
      );
    case 'key.rolled':
      return (
        <span>
          Grace period: {String(data.grace_period_hours ?? '?')} h; new key {text(data.replaced_by) ?? ''}
        </span>
      );
    case 'user.login_failed':
      return <span>{[text(data.email), text(data.reason)?.replace(/_/g, ' ')].filter(Boolean).join(': ')}</span>;
    case 'user.login':
      return <span>{text(data.email) ?? ''}</span>;
    case 'account.updated':
      return <span>Changed: {Array.isArray(data.changed) ? data.changed.join(', ') : ''}</span>;
    default:
      return <span>{JSON.stringify(data)}</span>;
  }
};

export const AuditLogPage: FC<{ viewer: Viewer; events: Page<AuditEvent>; first: boolean }> = ({
  viewer,
  events,
  first,
}) => (
  <Layout title="Audit log" viewer={viewer} section="audit">
    <h1>Audit log</h1>
    <p class="lead">
      Everything that happened to this account's keys and sign-ins, newest first. Events are never changed or deleted.
    </p>
    {events.data.length === 0 ? (
      <p>No events yet.</p>
    ) : (
      <table class="stack" id="events">
        <caption class="visually-hidden">Audit events, newest first</caption>
        <HeaderRow labels={['When', 'Event', 'Key', 'By', 'Address', 'Details']} />
        <tbody>
          {events.data.map((event) => (
            <tr data-event-type={event.type}>
              <td data-label="When">
                <When at={event.at} />
              </td>
              <td data-label="Event">
                {LABELS[event.type] ?? event.type} <code class="details">{event.type}</code>
              </td>
              <td data-label="Key">{event.key_name ?? '—'}</td>
              <td data-label="By">{event.actor.id ? `${event.actor.type} ${event.actor.id}` : event.actor.type}</td>
              <td data-label="Address">{event.ip ?? '—'}</td>
              <td data-label="Details" class="details">
                <Details event={event} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    )}
    <nav class="pager" aria-label="Pages">
      {!first && <a href="/app/audit-log">Newest events</a>}
      {events.next_cursor && <a href={withParams('/app/audit-log', { cursor: events.next_cursor })}>Older events</a>}
    </nav>
  </Layout>
);
