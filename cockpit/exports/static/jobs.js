/* Job page: start "Steckbriefe aller Gemeinden", poll progress, cancel, download; the job
   list is refreshed from /export/auftraege.json while a job is unfinished (no inline JS: CSP;
   text via textContent only). */
(function () {
  "use strict";
  var list = document.getElementById("jobs");
  if (!list) { return; }
  var csrf = list.getAttribute("data-csrf");
  var listUrl = list.getAttribute("data-list-url");
  var rows = document.getElementById("jobs-rows");
  var table = document.getElementById("jobs-table");
  var empty = document.getElementById("jobs-empty");
  var listTimer = null;

  function json(response) {
    return response.json().then(function (b) { return {ok: response.ok, body: b}; });
  }

  function post(url) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: {"X-CSRFToken": csrf, "Accept": "application/json"}
    }).then(json);
  }

  function cell(row, text) {
    var td = document.createElement("td");
    td.textContent = text;
    row.appendChild(td);
    return td;
  }

  function actions(td, job) {
    if (!job.finished) {
      var button = document.createElement("button");
      button.type = "button";
      button.className = "button-secondary job-cancel";
      button.setAttribute("data-cancel-url", job.cancel_url);
      button.textContent = "Abbrechen";
      td.appendChild(button);
    }
    if (job.download_url) {
      var link = document.createElement("a");
      link.href = job.download_url;
      link.textContent = "Herunterladen";
      td.appendChild(link);
    }
  }

  function render(jobs) {
    rows.textContent = "";
    jobs.forEach(function (job) {
      var row = document.createElement("tr");
      row.setAttribute("data-job-id", job.id);
      cell(row, job.kind_label);
      cell(row, job.status + (job.message ? " – " + job.message : ""));
      cell(row, job.done + " von " + job.total + " (" + job.percent + " %)");
      cell(row, job.user);
      cell(row, job.scope);
      cell(row, job.created);
      cell(row, job.finished_at);
      actions(cell(row, ""), job);
      rows.appendChild(row);
    });
    table.hidden = jobs.length === 0;
    empty.hidden = jobs.length !== 0;
    return jobs.some(function (job) { return !job.finished; });
  }

  function refresh() {
    fetch(listUrl, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(json)
      .then(function (result) {
        if (!result.ok) { return; }
        if (!render(result.body.jobs)) { clearInterval(listTimer); listTimer = null; }
      });
  }

  function watchList() {
    if (listTimer === null) { listTimer = setInterval(refresh, 2000); }
  }

  rows.addEventListener("click", function (event) {
    var url = event.target.getAttribute && event.target.getAttribute("data-cancel-url");
    if (!url) { return; }
    event.target.disabled = true;
    post(url).then(refresh);
  });
  if (rows.querySelector(".job-cancel")) { watchList(); }

  /* The start section (only for users who may start "Steckbriefe aller Gemeinden"). */
  var root = document.getElementById("reports-job");
  if (!root) { return; }
  var startUrl = root.getAttribute("data-start-url");
  var startButton = document.getElementById("reports-start");
  var cancelButton = document.getElementById("reports-cancel");
  var progress = document.getElementById("reports-progress");
  var status = document.getElementById("reports-status");
  var download = document.getElementById("reports-download");
  var job = null;
  var timer = null;

  function show(current) {
    job = current;
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
      if (job.download_url) {
        download.href = job.download_url;
        download.hidden = false;
      }
    }
  }

  function poll() {
    fetch(job.url, {credentials: "same-origin", headers: {"Accept": "application/json"}})
      .then(json)
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
      cancelButton.hidden = false;
      show(result.body);
      timer = setInterval(poll, 1000);
      refresh();
      watchList();
    });
  });

  cancelButton.addEventListener("click", function () {
    if (!job) { return; }
    status.textContent = "Export wird abgebrochen …";
    post(job.cancel_url).then(poll);
  });
}());
