/* Shared helpers: JSON fetch with the CSRF token, confirmation prompts, select-all boxes. */
"use strict";

window.huace = (function () {
  const meta = document.querySelector('meta[name="csrf-token"]');
  const csrfToken = meta ? meta.content : "";

  /* POST JSON and return the parsed answer; errors come back as {ok:false, error}. */
  async function postJSON(url, body) {
    let response;
    try {
      response = await fetch(url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "Content-Type": "application/json", "X-CSRFToken": csrfToken, "Accept": "application/json" },
        body: JSON.stringify(body),
      });
    } catch (err) {
      return { ok: false, error: "网络连接失败，请检查网络后重试" };
    }
    try {
      const data = await response.json();
      if (!response.ok && data.ok === undefined) data.ok = false;
      return data;
    } catch (err) {
      return { ok: false, error: "服务器返回了无法识别的内容（" + response.status + "）" };
    }
  }

  function say(el, text, kind) {
    if (!el) return;
    el.textContent = text;
    el.classList.remove("ok", "bad", "busy");
    if (kind) el.classList.add(kind);
  }

  document.addEventListener("submit", function (event) {
    const form = event.target;
    const question = form.getAttribute("data-confirm");
    if (question && !window.confirm(question)) event.preventDefault();
  });

  const all = document.getElementById("select-all");
  if (all) {
    const boxes = () => Array.from(document.querySelectorAll('input[type=checkbox][name="photo"]'));
    const counter = document.getElementById("selected-count");
    const update = () => {
      const n = boxes().filter((b) => b.checked).length;
      if (counter) counter.textContent = "已选 " + n + " 张";
      all.checked = n > 0 && n === boxes().length;
    };
    all.addEventListener("change", () => { boxes().forEach((b) => { b.checked = all.checked; }); update(); });
    document.addEventListener("change", (e) => { if (e.target.name === "photo") update(); });
  }

  return { csrfToken, postJSON, say };
})();
