/* Steckbriefe aller Gemeinden: start, poll progress, cancel, download (no inline JS: CSP). */
(function () {
  "use strict";
  var root = document.getElementById("reports-job");
  if (!root) { return; }
  var startUrl = root.getAttribute("data-start-url");
  var csrf = root.getAttribute("data-csrf");
  var startButton = document.getElementById("reports-start");
  var cancelButton = document.getElementById("reports-cancel");
  var progress = document.getElementById("reports-progress");
  var status = document.getElementById("reports-status");
  var download = document.getElementById("reports-download");
  var jobUrl = null;
  var timer = null;

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); });
  }

  function show(job) {
    progress.hidden = false;
    progress.value = job.percent;
    var text = job.status + ": " + job.done + " von " + job.total + " Steckbriefen";
    if (job.current && !job.finished) { text += " (aktuell: " + job.current + ")"; }
    if (job.message) { text += ". " + job.message; }
    status.textContent = text;
    if (job.finished) {
      clearInterval(timer);
      cancelButton.hidden = true;
      startButton.disabled = false;
      if (job.status === "fertig") {
        download.href = jobUrl + "/download";
        download.hidden = false;
      }
    }
  }

  function poll() {
    fetch(jobUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(function (r) { return r.json().then(function (b) { return {ok: r.ok, body: b}; }); })
      .then(function (result) {
        if (result.ok) { show(result.body); return; }
        clearInterval(timer);
        cancelButton.hidden = true;
        startButton.disabled = false;
        status.textContent = result.body.message || "Der Status konnte nicht abgefragt werden.";
      })
      .catch(function () { status.textContent = "Der Status konnte nicht abgefragt werden."; });
  }

  startButton.addEventListener("click", function () {
    startButton.disabled = true;
    download.hidden = true;
    status.textContent = "Export wird gestartet …";
    post(startUrl).then(function (result) {
      if (!result.ok) {
        status.textContent = result.body.message || "Der Export konnte nicht gestartet werden.";
        startButton.disabled = false;
        return;
      }
      jobUrl = startUrl + "/" + result.body.id;
      cancelButton.hidden = false;
      show(result.body);
      timer = setInterval(poll, 1000);
    });
  });

  cancelButton.addEventListener("click", function () {
    if (!jobUrl) { return; }
    status.textContent = "Export wird abgebrochen …";
    post(jobUrl + "/abbrechen").then(poll);
  });
}());
