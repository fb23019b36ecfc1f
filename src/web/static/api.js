// The pages' only way to data: GET /api/... with the bearer token (if pathmon was started with one), and
// the live event stream. EventSource cannot send an Authorization header, so the stream is read with
// fetch and parsed here; it reconnects after a drop and shows the connection state in the header.

const TOKEN_KEY = 'pathmon.token';

export async function api(path) {
  for (;;) {
    const token = sessionStorage.getItem(TOKEN_KEY);
    const response = await fetch(path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    if (response.status === 401) {
      await askToken();
      continue;
    }
    const body = await response.json();
    if (!response.ok) throw new Error(body?.error?.message ?? `HTTP ${response.status}`);
    return body;
  }
}

let asking = null;
function askToken() {
  asking ??= new Promise((resolve) => {
    const dialog = document.createElement('dialog');
    dialog.innerHTML = '<form method="dialog"><p>This pathmon needs its bearer token.</p><input type="password" name="token" size="40" autocomplete="off" required> <button>Use</button></form>';
    document.body.append(dialog);
    dialog.querySelector('form').addEventListener('submit', () => {
      sessionStorage.setItem(TOKEN_KEY, dialog.querySelector('input').value.trim());
      dialog.remove();
      asking = null;
      resolve();
    });
    dialog.showModal();
  });
  return asking;
}

/** Calls handlers[event](data) for each server-sent event; never returns. */
export async function liveEvents(handlers) {
  const indicator = document.getElementById('live');
  for (;;) {
    try {
      const token = sessionStorage.getItem(TOKEN_KEY);
      const response = await fetch('/api/events', { headers: token ? { authorization: `Bearer ${token}` } : {} });
      if (response.status === 401) await askToken();
      else if (response.ok) {
        indicator?.classList.add('on');
        if (indicator) indicator.textContent = 'live';
        handlers.open?.();
        const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
        let buffer = '';
        for (;;) {
          const { value, done } = await reader.read();
          if (done) break;
          buffer += value;
          let end;
          while ((end = buffer.indexOf('\n\n')) >= 0) {
            dispatch(buffer.slice(0, end), handlers);
            buffer = buffer.slice(end + 2);
          }
        }
      }
    } catch {
      // Dropped: fall through to the retry below.
    }
    indicator?.classList.remove('on');
    if (indicator) indicator.textContent = 'reconnecting';
    await new Promise((resolve) => setTimeout(resolve, 3000));
  }
}

function dispatch(block, handlers) {
  let event = 'message';
  let data = '';
  for (const line of block.split('\n')) {
    if (line.startsWith('event: ')) event = line.slice(7);
    else if (line.startsWith('data: ')) data += line.slice(6);
  }
  if (data && handlers[event]) handlers[event](JSON.parse(data));
}

/** Runs fn at most once per intervalMs, trailing calls folded into one. */
export function throttle(fn, intervalMs) {
  let last = 0;
  let timer = null;
  return () => {
    if (timer) return;
    const wait = Math.max(0, last + intervalMs - Date.now());
    timer = setTimeout(() => {
      timer = null;
      last = Date.now();
      fn();
    }, wait);
  };
}
