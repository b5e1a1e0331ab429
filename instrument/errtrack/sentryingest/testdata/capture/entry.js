import * as Sentry from '@sentry/browser';
Sentry.init({ dsn: window.SENTRY_DSN, release: 'shop-web@3.0.0', environment: 'e2e' });
function renderCart(cart) { return cart.items.length; }
window.addEventListener('load', async () => {
  try { renderCart(undefined); } catch (e) { Sentry.captureException(e); }
  setTimeout(() => { throw new TypeError('Cannot read properties of null (reading \'price\')'); }, 10);
  await new Promise((r) => setTimeout(r, 200));
  await Sentry.flush(3000);
  document.title = 'done';
});
