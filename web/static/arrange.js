/* Arrangement pages: ordering chapters and photos by drag and drop (SortableJS: mouse and touch)
   or from the keyboard (the 上移/下移 buttons, or Alt + arrow keys on a focused item), moving
   photos between chapters, and setting a photo's focal point by clicking on it. Every change is
   saved at once with fetch. */
"use strict";

(function () {
  const status = document.getElementById("order-status");

  function makeSortable(list) {
    const url = list.dataset.orderUrl;
    if (!url) return;
    const ids = () => Array.from(list.children).filter((li) => li.dataset.id)
      .map((li) => parseInt(li.dataset.id, 10));
    let saved = ids();

    async function save(done) {
      const now = ids();
      if (now.join(",") === saved.join(",")) return;
      list.querySelectorAll(".position").forEach((el, i) => { el.textContent = String(i + 1); });
      huace.say(status, "正在保存顺序…", "busy");
      const data = await huace.postJSON(url, { ids: now });
      if (data.ok) saved = now;
      huace.say(status, data.ok ? (done || "顺序已保存") : (data.error || "保存失败"), data.ok ? "ok" : "bad");
    }

    function move(item, step) {
      const sibling = step < 0 ? item.previousElementSibling : item.nextElementSibling;
      if (!sibling || !sibling.dataset.id) return;
      list.insertBefore(item, step < 0 ? sibling : sibling.nextElementSibling);
      save("顺序已保存：移到第 " + (Array.prototype.indexOf.call(list.children, item) + 1) + " 位");
    }

    Sortable.create(list, {
      animation: 150,
      draggable: "li[data-id]",
      filter: "input, select, button, label",
      preventOnFilter: false,
      delayOnTouchOnly: true,
      delay: 200,  // a touch that rests this long picks the item up; a quick swipe scrolls
      ghostClass: "dragging",
      onEnd: () => save(),
    });
    list.addEventListener("click", (e) => {
      const button = e.target.closest("button[data-step]");
      if (!button) return;
      move(button.closest("li[data-id]"), parseInt(button.dataset.step, 10));
      button.focus();
    });
    list.addEventListener("keydown", (e) => {
      const item = e.target.closest("li[data-id]");
      if (!item || !e.altKey || e.target.matches("input, select, textarea")) return;
      const step = { ArrowUp: -1, ArrowLeft: -1, ArrowDown: 1, ArrowRight: 1 }[e.key];
      if (!step) return;
      e.preventDefault();
      move(item, step);
      e.target.focus();
    });
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
