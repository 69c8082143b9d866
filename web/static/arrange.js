/* Arrangement pages: drag-and-drop ordering (HTML5 DnD), moving photos between chapters and
   setting a photo's focal point by clicking on it. Every change is saved at once with fetch. */
"use strict";

(function () {
  const status = document.getElementById("order-status");

  function makeSortable(list) {
    const url = list.dataset.orderUrl;
    if (!url) return;
    let dragged = null;
    let before = null;

    list.addEventListener("dragstart", (e) => {
      const item = e.target.closest("li[draggable]");
      if (!item || item.parentElement !== list) return;
      dragged = item;
      before = ids();
      item.classList.add("dragging");
      e.dataTransfer.effectAllowed = "move";
      e.dataTransfer.setData("text/plain", item.dataset.id);
    });
    list.addEventListener("dragover", (e) => {
      if (!dragged) return;
      e.preventDefault();
      const target = e.target.closest("li[draggable]");
      if (!target || target === dragged || target.parentElement !== list) return;
      const box = target.getBoundingClientRect();
      const horizontal = getComputedStyle(list).display === "grid";
      const after = horizontal ? e.clientX > box.left + box.width / 2 : e.clientY > box.top + box.height / 2;
      list.insertBefore(dragged, after ? target.nextSibling : target);
    });
    list.addEventListener("drop", (e) => { if (dragged) e.preventDefault(); });
    list.addEventListener("dragend", async () => {
      if (!dragged) return;
      dragged.classList.remove("dragging");
      dragged = null;
      const now = ids();
      if (now.join(",") === before.join(",")) return;
      renumber();
      huace.say(status, "正在保存顺序…", "busy");
      const data = await huace.postJSON(url, { ids: now });
      huace.say(status, data.ok ? "顺序已保存" : (data.error || "保存失败"), data.ok ? "ok" : "bad");
    });

    function ids() {
      return Array.from(list.children).filter((li) => li.dataset.id).map((li) => parseInt(li.dataset.id, 10));
    }
    function renumber() {
      list.querySelectorAll(".position").forEach((el, i) => { el.textContent = String(i + 1); });
    }
  }

  document.querySelectorAll(".sortable[data-order-url]").forEach(makeSortable);

  document.querySelectorAll("select.move").forEach((select) => {
    let previous = select.value;
    select.addEventListener("change", async () => {
      huace.say(status, "正在移动…", "busy");
      const data = await huace.postJSON(select.dataset.moveUrl, { chapter_id: parseInt(select.value, 10) || null });
      if (!data.ok) {
        select.value = previous;
        huace.say(status, data.error || "移动失败", "bad");
        return;
      }
      previous = select.value;
      const tile = select.closest("#photo-grid > li");
      huace.say(status, "已移到“" + select.options[select.selectedIndex].text + "”", "ok");
      if (tile) tile.remove();
    });
  });

  const focal = document.getElementById("focal");
  if (focal) {
    const img = document.getElementById("focal-img");
    const marker = document.getElementById("focal-marker");
    const note = document.getElementById("focal-status");
    const place = (x, y) => {
      marker.style.left = (x * 100) + "%";
      marker.style.top = (y * 100) + "%";
      marker.classList.add("shown");
    };
    place(parseFloat(focal.dataset.x), parseFloat(focal.dataset.y));
    img.addEventListener("click", async (e) => {
      const box = img.getBoundingClientRect();
      const x = Math.min(1, Math.max(0, (e.clientX - box.left) / box.width));
      const y = Math.min(1, Math.max(0, (e.clientY - box.top) / box.height));
      place(x, y);
      huace.say(note, "正在保存焦点…", "busy");
      const data = await huace.postJSON(focal.dataset.url, { x, y });
      if (data.ok) {
        focal.dataset.x = data.x;
        focal.dataset.y = data.y;
        huace.say(note, "焦点已保存：" + Math.round(data.x * 100) + "%，" + Math.round(data.y * 100) + "%", "ok");
      } else {
        place(parseFloat(focal.dataset.x), parseFloat(focal.dataset.y));
        huace.say(note, data.error || "保存失败", "bad");
      }
    });
  }
})();
