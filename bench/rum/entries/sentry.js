import * as Sentry from '@sentry/browser'; Sentry.init({ dsn: 'https://public@sentry.example/1' });
