// SignupGuard console: keyboard shortcuts and claim countdowns. No framework, no build step.
(function () {
  "use strict";

  function typing(el) {
    return el && (el.tagName === "INPUT" || el.tagName === "TEXTAREA" || el.tagName === "SELECT" || el.isContentEditable);
  }

  function tick() {
    document.querySelectorAll(".countdown").forEach(function (el) {
      var left = parseInt(el.dataset.left, 10) - 1;
      el.dataset.left = String(left);
      if (left <= 0) { el.textContent = "expired"; return; }
      var m = Math.floor(left / 60), s = left % 60;
      el.textContent = m + ":" + (s < 10 ? "0" : "") + s + " left";
    });
  }

  function queueKeys() {
    var rows = Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-case]"));
    var at = rows.length ? 0 : -1;
    function select(i) {
      if (!rows.length) return;
      at = Math.max(0, Math.min(rows.length - 1, i));
      rows.forEach(function (r, j) { r.classList.toggle("selected", j === at); r.setAttribute("aria-selected", j === at ? "true" : "false"); });
      rows[at].focus();
    }
    function post(path, verdict) {
      var form = document.getElementById("row-action");
      form.action = path;
      form.querySelector("[name=verdict]").value = verdict || "";
      form.submit();
    }
    if (rows.length) select(0);
    document.addEventListener("keydown", function (e) {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      var id = at >= 0 ? rows[at].dataset.case : null;
      switch (e.key) {
        case "j": select(at + 1); break;
        case "k": select(at - 1); break;
        case "Enter": if (id) window.location = "/cases/" + id; else return; break;
        case "c": if (id) post("/cases/" + id + "/claim"); break;
        case "f": if (id) post("/cases/" + id + "/resolve", "fraud"); break;
        case "l": if (id) post("/cases/" + id + "/resolve", "legitimate"); break;
        case "n": document.getElementById("claim-next").submit(); break;
        default: return;
      }
      e.preventDefault();
    });
  }

  function caseKeys() {
    var form = document.getElementById("verdict-form");
    document.addEventListener("keydown", function (e) {
      if (typing(e.target) || e.ctrlKey || e.metaKey || e.altKey) return;
      var claim = document.getElementById("claim-form");
      switch (e.key) {
        case "c": if (claim) claim.submit(); break;
        case "f": form.querySelector("[value=fraud]").checked = true; break;
        case "l": form.querySelector("[value=legitimate]").checked = true; break;
        case "n": document.getElementById("submit-next").click(); break;
        default: return;
      }
      e.preventDefault();
    });
  }

  document.addEventListener("DOMContentLoaded", function () {
    if (document.getElementById("queue")) queueKeys();
    if (document.getElementById("verdict-form")) caseKeys();
    tick();
    window.setInterval(tick, 1000);
  });
})();
