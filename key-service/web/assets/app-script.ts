// The page's only script, served as /app/static/app.js (never inline, so the CSP can forbid
// inline script). It opens dialogs as modals, copies a new key, and makes sure a key shown once
// leaves the page, the history entry and the back/forward cache when its dialog closes.
// Every page works without it: links and forms do the same through the server.
export const APP_SCRIPT = `'use strict';
(function () {
  function forgetSecrets() {
    document.querySelectorAll('dialog[data-secret]').forEach(function (dialog) { dialog.remove(); });
  }

  function onClose(dialog) {
    if (dialog.open) return; // a stray event from reopening a server-opened dialog as a modal
    if (dialog.dataset.closeUrl) history.replaceState(null, '', dialog.dataset.closeUrl);
    if (dialog.hasAttribute('data-secret')) dialog.remove();
    var focus = dialog.dataset.returnFocus && document.getElementById(dialog.dataset.returnFocus);
    if (focus) focus.focus();
  }

  document.querySelectorAll('dialog').forEach(function (dialog) {
    dialog.addEventListener('close', function () { onClose(dialog); });
    if (dialog.hasAttribute('open')) {
      // Rendered open by the server: reopen it as a modal (focus stays inside, Escape closes).
      dialog.removeAttribute('open');
      dialog.showModal();
    }
  });

  // A page that shows a key answered a POST: put the plain list URL in its place, so that
  // reload and back neither post again nor show the key again.
  var shown = document.querySelector('dialog[data-secret]');
  if (shown && shown.dataset.closeUrl) history.replaceState(null, '', shown.dataset.closeUrl);

  // Leaving the page (even into the back/forward cache) takes the key with it.
  window.addEventListener('pagehide', forgetSecrets);

  function copied(button, ok) {
    var status = document.getElementById(button.dataset.copyStatus);
    if (status) status.textContent = ok ? 'Copied to the clipboard.' : 'Could not copy: select the key and copy it by hand.';
  }

  function copyBySelection(target) {
    var range = document.createRange();
    range.selectNodeContents(target);
    var selection = window.getSelection();
    selection.removeAllRanges();
    selection.addRange(range);
    try { return document.execCommand('copy'); } catch (error) { return false; }
  }

  document.addEventListener('click', function (event) {
    var element = event.target instanceof Element ? event.target : null;
    if (!element) return;
    var opener = element.closest('[data-opens]');
    if (opener) {
      var dialog = document.getElementById(opener.dataset.opens);
      if (dialog && typeof dialog.showModal === 'function') {
        event.preventDefault();
        dialog.showModal();
      }
      return;
    }
    var closer = element.closest('[data-close]');
    if (closer) {
      var open = closer.closest('dialog');
      if (open && open.open) {
        event.preventDefault();
        open.close();
      }
      return;
    }
    var copy = element.closest('[data-copy]');
    if (copy) {
      var target = document.getElementById(copy.dataset.copy);
      if (!target) return;
      var text = target.textContent || '';
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(text).then(
          function () { copied(copy, true); },
          function () { copied(copy, copyBySelection(target)); }
        );
      } else {
        copied(copy, copyBySelection(target));
      }
    }
  });
})();
`;
