// A page that only says something: not found, refused, a dead setup link.
import type { FC } from 'hono/jsx';
import { Layout, type Viewer } from '../layout.js';

export const MessagePage: FC<{
  title: string;
  message: string;
  viewer?: Viewer | undefined;
  link?: { href: string; text: string };
}> = ({ title, message, viewer, link }) => (
  <Layout title={title} viewer={viewer}>
    <div class="card">
      <h1>{title}</h1>
      <p>{message}</p>
      {link && (
        <p>
          <a href={link.href}>{link.text}</a>
        </p>
      )}
    </div>
  </Layout>
);
