// The console's page behaviour: checking a draft as the officer types, and
// signing agreements and withdrawals in the browser (accord-sign.js). Every
// page works without it except signing, which needs the browser's WebCrypto.
(function () {
  'use strict';

  // ---- Draft: lint as you type (debounced), problems shown at their lines.
  var text = document.getElementById('text');
  var gutter = document.getElementById('gutter');
  var status = document.getElementById('lint-status');
  if (text && gutter && status) {
    var bad = {};
    var timer = null;
    var seq = 0;
    var renderGutter = function () {
      var n = text.value.split('\n').length;
      var out = [];
      for (var i = 1; i <= n; i++) {
        out.push(bad[i] ? '<span class="console-bad" title="' + bad[i].replace(/"/g, '&quot;') + '">' + i + '</span>' : String(i));
      }
      gutter.innerHTML = out.join('\n');
      gutter.scrollTop = text.scrollTop;
    };
    var escape = function (s) {
      return String(s).replace(/[&<>"]/g, function (c) { return { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;' }[c]; });
    };
    var show = function (r) {
      bad = {};
      var items = r.diagnostics.map(function (d) {
        if (d.severity === 'error') bad[d.line] = d.message;
        return '<li data-line="' + d.line + '" data-severity="' + d.severity + '"><a href="#text" class="govuk-link console-goto" data-line="' + d.line + '"><strong>' + (d.line ? 'Line ' + d.line +
          (d.column ? ', column ' + d.column : '') : 'The whole document') + '</strong></a> (' + d.severity + '): ' + escape(d.message) +
          ' <span class="govuk-hint govuk-!-display-inline">[' + escape(d.code) + ']</span></li>';
      });
      var head = r.valid
        ? '<p class="govuk-body console-lint-ok"><strong class="govuk-tag govuk-tag--green">Valid</strong> No errors' + (items.length ? '; ' + items.length + ' warning' + (items.length === 1 ? '' : 's') : '') + '.</p>'
        : '<p class="govuk-body"><strong class="govuk-tag govuk-tag--red">Not valid</strong> ' + Object.keys(bad).length + ' line' + (Object.keys(bad).length === 1 ? '' : 's') + ' with errors.</p>';
      status.innerHTML = head + '<ul class="govuk-list console-diagnostics">' + items.join('') + '</ul>';
      status.setAttribute('data-valid', r.valid ? 'yes' : 'no');
      renderGutter();
    };
    var check = function () {
      var mine = ++seq;
      status.setAttribute('data-busy', 'yes');
      fetch('/api/lint', { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify({ text: text.value }) })
        .then(function (res) { return res.json(); })
        .then(function (r) {
          if (mine !== seq) return;
          status.removeAttribute('data-busy');
          if (r.error) {
            status.innerHTML = '<p class="govuk-body">' + escape(r.error.what + ' ' + r.error.todo) + '</p>';
            return;
          }
          show(r);
        })
        .catch(function () {
          if (mine !== seq) return;
          status.removeAttribute('data-busy');
          status.innerHTML = '<p class="govuk-body">The console could not check the draft just now. Use the Check button, or reload the page.</p>';
        });
    };
    text.addEventListener('input', function () {
      renderGutter();
      clearTimeout(timer);
      timer = setTimeout(check, 400);
    });
    text.addEventListener('scroll', function () { gutter.scrollTop = text.scrollTop; });
    status.addEventListener('click', function (e) {
      var a = e.target.closest && e.target.closest('.console-goto');
      if (!a) return;
      e.preventDefault();
      var line = Number(a.getAttribute('data-line'));
      var lines = text.value.split('\n');
      var start = 0;
      for (var i = 0; i < line - 1 && i < lines.length; i++) start += lines[i].length + 1;
      text.focus();
      text.setSelectionRange(start, start + (lines[line - 1] || '').length);
    });
    var file = document.getElementById('file');
    if (file) {
      file.addEventListener('change', function () {
        if (!file.files[0]) return;
        file.files[0].text().then(function (t) { text.value = t; renderGutter(); check(); });
      });
    }
    renderGutter();
    if (text.value) check();
  }

  // ---- Signing (agreements and withdrawals) with the officer's own key file.
  var fail = function (message) {
    var box = document.getElementById('sign-error') || document.getElementById('key-error');
    document.getElementById(box.id + '-text').textContent = message;
    box.classList.remove('console-hidden');
    box.focus();
  };
  var readKey = function (form) {
    var input = document.getElementById('key-file');
    if (!input.files || !input.files[0]) return Promise.reject(new Error('Choose your agency\'s private signing key file first.'));
    return input.files[0].text().then(AccordSign.loadPrivateKey).then(function (k) {
      var registered = form.getAttribute('data-registered-key');
      if (registered && k.publicFingerprint !== registered) {
        throw new Error('That key is not your agency\'s registered key (it has fingerprint ' + k.publicFingerprint +
          ', the hub\'s register holds ' + registered + '), so the hub would not count the signature. Choose the registered key, or register this key on the Keys page first.');
      }
      var expected = form.getAttribute('data-expected-key');
      if (expected && k.publicFingerprint !== expected) {
        throw new Error('That key is not the one the agreement names for your agency (it has fingerprint ' + k.publicFingerprint +
          ', the agreement names ' + expected + '). Choose the right key file.');
      }
      return k;
    });
  };
  var send = function (url, body) {
    return fetch(url, { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) })
      .then(function (res) { return res.json(); })
      .then(function (r) {
        if (r.error) throw new Error(r.error.what + ' ' + r.error.todo + (r.error.detail ? ' (The hub\'s own words: ' + r.error.detail + ')' : ''));
        window.location.assign(r.redirect);
      });
  };

  var signForm = document.getElementById('sign-form');
  if (signForm) {
    signForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var fingerprint = signForm.getAttribute('data-fingerprint');
      readKey(signForm).then(function (k) {
        return AccordSign.sign(k.privateKey, AccordSign.agreementMessage(fingerprint)).then(function (sig) {
          return send(signForm.getAttribute('data-action'), { fingerprint: fingerprint, signature: sig, public_key: k.publicPem });
        });
      }).catch(function (err) { fail(err.message); });
    });
  }

  // ---- Keys: register or replace the agency's key. The key is made here or
  // read from a file; the page signs the proof of possession and sends only
  // the public key and the proof.
  var keyForm = document.getElementById('key-form');
  if (keyForm) {
    keyForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var agency = keyForm.getAttribute('data-agency');
      var fromFile = document.getElementById('key-source-file').checked;
      var made = fromFile
        ? (function () {
          var input = document.getElementById('key-file');
          if (!input.files || !input.files[0]) return Promise.reject(new Error('Choose your private key file first, or choose to make a new key in this browser.'));
          return input.files[0].text().then(AccordSign.loadPrivateKey);
        }())
        : AccordSign.generateKey().then(function (k) {
          // The officer keeps the private key: it is saved as a file, never sent.
          var url = URL.createObjectURL(new Blob([k.privatePem], { type: 'application/x-pem-file' }));
          var a = document.createElement('a');
          a.href = url;
          a.download = agency + '-signing.key';
          document.body.appendChild(a);
          a.click();
          a.remove();
          k.privatePem = null;
          setTimeout(function () { URL.revokeObjectURL(url); }, 60000);
          return k;
        });
      made.then(function (k) {
        return AccordSign.sign(k.privateKey, AccordSign.keyRegistrationMessage(agency, k.publicFingerprint)).then(function (proof) {
          return send(keyForm.getAttribute('data-action'), { mode: keyForm.getAttribute('data-mode'), public_key: k.publicPem,
            proof: proof, reason: document.getElementById('key-reason').value.trim() });
        });
      }).catch(function (err) { fail(err.message); });
    });
  }

  var withdrawForm = document.getElementById('withdraw-form');
  if (withdrawForm) {
    withdrawForm.addEventListener('submit', function (e) {
      e.preventDefault();
      var reason = document.getElementById('reason').value.trim();
      if (!reason) { fail('Say why your agency withdraws: every party will read it.'); return; }
      var when = new Date(Math.floor(Date.now() / 1000) * 1000);
      if (document.getElementById('when-later').checked) {
        var m = /^(\d{4}-\d{2}-\d{2})[ T](\d{2}:\d{2})$/.exec(document.getElementById('effective').value.trim());
        if (!m) { fail('Give the later time as YYYY-MM-DD HH:MM in UTC, for example 2027-01-31 17:00.'); return; }
        when = new Date(m[1] + 'T' + m[2] + ':00Z');
        if (isNaN(when.getTime())) { fail('That later time is not a real date and time.'); return; }
      }
      var w = { agreement: withdrawForm.getAttribute('data-agreement'), version: Number(withdrawForm.getAttribute('data-version')),
        fingerprint: withdrawForm.getAttribute('data-fingerprint'), party: withdrawForm.getAttribute('data-party'),
        effective: AccordSign.rfc3339(when), reason: reason };
      readKey(withdrawForm).then(function (k) {
        return AccordSign.sign(k.privateKey, AccordSign.withdrawalMessage(w)).then(function (sig) {
          return send(withdrawForm.getAttribute('data-action'), { fingerprint: w.fingerprint, effective: w.effective, reason: reason, signature: sig });
        });
      }).catch(function (err) { fail(err.message); });
    });
  }
}());
