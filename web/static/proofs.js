/* Proof list: poll the status of queued, running and cancelling renders until they finish. */
"use strict";

(function () {
  const ACTIVE = ["queued", "running", "cancelling"];
  const rows = Array.from(document.querySelectorAll("#proof-table tr[data-status-url]"))
    .filter((row) => ACTIVE.includes(row.dataset.status));
  if (!rows.length) return;

  async function poll(row) {
    let data;
    try {
      const response = await fetch(row.dataset.statusUrl, { credentials: "same-origin", headers: { Accept: "application/json" } });
      data = await response.json();
    } catch (err) {
      setTimeout(() => poll(row), 3000);
      return;
    }
    if (!data.ok) return;
    const proof = data.proof;
    const cell = row.querySelector(".status");
    if (ACTIVE.includes(proof.status)) {
      const bar = cell.querySelector("progress");
      if (bar) bar.value = proof.percent;
      const pct = cell.querySelector(".percent");
      if (pct) pct.textContent = proof.percent + " %";
      setTimeout(() => poll(row), 700);
      return;
    }
    row.dataset.status = proof.status;
    cell.textContent = "";
    if (proof.status === "done") {
      const bar = document.createElement("progress");
      bar.max = 100; bar.value = 100; bar.hidden = true;
      cell.appendChild(bar);
    }
    const badge = document.createElement("span");
    badge.className = "badge badge-" + proof.status;
    badge.textContent = proof.status_name;
    cell.appendChild(badge);
    const pct = document.createElement("span");
    pct.className = "percent";
    pct.textContent = proof.status === "done" ? " 100 %" : "";
    cell.appendChild(pct);
    if (proof.error) {
      const reason = document.createElement("span");
      reason.className = "reason";
      reason.textContent = proof.error;
      cell.appendChild(reason);
    }
    row.querySelector(".pages").textContent = proof.page_count || "";
    if (proof.preflight && proof.preflight.errors !== undefined) {
      const cellPre = row.querySelector(".preflight");
      cellPre.textContent = "";
      const errs = document.createElement("span");
      errs.textContent = "错误 " + proof.preflight.errors;
      if (proof.preflight.errors) errs.className = "warn";
      cellPre.append(errs, "，警告 " + (proof.preflight.warnings || 0));
    }
    if (proof.status === "done") {
      const files = row.querySelector(".files");
      files.textContent = "";
      const view = document.createElement("a");
      view.href = proof.view_url; view.textContent = "查看页面";
      const pdf = document.createElement("a");
      pdf.href = proof.pdf_url; pdf.textContent = "下载 PDF";
      files.append(view, " · ", pdf);
    }
  }

  rows.forEach((row) => poll(row));
})();
