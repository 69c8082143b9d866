/* Upload page: one XHR per file (so each has its own progress bar), two at a time, then a
   description form per uploaded photo, saved with fetch. A bar above the list copies 摄影 /
   供稿单位 / 地点 / 日期 to the selected photos and saves every changed form at once; leaving the
   page with unsaved descriptions or uploads still running asks first. */
"use strict";

(function () {
  const zone = document.getElementById("dropzone");
  if (!zone) return;
  const input = document.getElementById("files");
  const list = document.getElementById("uploads");
  const template = document.getElementById("upload-item");
  const summary = document.getElementById("upload-summary");
  const url = zone.dataset.uploadUrl;
  const limit = parseInt(zone.dataset.limit, 10);
  const queue = [];
  const counts = { done: 0, refused: 0, total: 0 };
  let running = 0;
  const PARALLEL = 2;
  const CREDITS = ["photographer", "unit", "place", "date_text"];
  const bulk = document.getElementById("bulk");
  const bulkStatus = document.getElementById("bulk-status");
  const selectAll = document.getElementById("select-all");

  function updateSummary() {
    huace.say(summary, "共 " + counts.total + " 个文件：已上传 " + counts.done + "，未通过 " + counts.refused +
      (counts.total > counts.done + counts.refused ? "，进行中 " + (counts.total - counts.done - counts.refused) : ""));
  }

  function addFiles(files) {
    Array.from(files).forEach((file) => {
      const item = template.content.firstElementChild.cloneNode(true);
      item.querySelector(".file-name").textContent = file.name + "（" + (file.size / 1048576).toFixed(1) + " MB）";
      list.appendChild(item);
      counts.total += 1;
      if (file.size > limit) {
        refuse(item, "文件太大（上限 " + zone.dataset.limitWords + "）");
      } else {
        queue.push({ file, item });
      }
    });
    updateSummary();
    pump();
  }

  function refuse(item, reason) {
    item.classList.add("refused");
    item.querySelector("progress").hidden = true;
    item.querySelector(".placeholder").textContent = "未通过";
    huace.say(item.querySelector(".upload-status"), "未通过：" + reason, "bad");
    counts.refused += 1;
    updateSummary();
  }

  function pump() {
    while (running < PARALLEL && queue.length) {
      const job = queue.shift();
      running += 1;
      send(job.file, job.item, () => { running -= 1; pump(); });
    }
  }

  function send(file, item, done) {
    const bar = item.querySelector("progress");
    const status = item.querySelector(".upload-status");
    const xhr = new XMLHttpRequest();
    const body = new FormData();
    body.append("file", file, file.name);
    xhr.open("POST", url);
    xhr.setRequestHeader("X-CSRFToken", huace.csrfToken);
    xhr.setRequestHeader("Accept", "application/json");
    xhr.upload.addEventListener("progress", (e) => {
      if (e.lengthComputable) bar.value = Math.round((e.loaded / e.total) * 100);
    });
    huace.say(status, "上传中…", "busy");
    xhr.addEventListener("load", () => {
      let data = null;
      try { data = JSON.parse(xhr.responseText); } catch (err) { data = null; }
      if (data && data.ok) {
        bar.value = 100;
        accepted(item, data.photo);
      } else {
        refuse(item, data && data.error ? data.error : "服务器错误（" + xhr.status + "）");
      }
      done();
    });
    xhr.addEventListener("error", () => { refuse(item, "网络连接中断"); done(); });
    xhr.send(body);
  }

  function accepted(item, photo) {
    item.classList.add("uploaded");
    item.dataset.photoId = photo.id;
    const thumb = item.querySelector(".upload-thumb");
    thumb.textContent = "";
    const img = document.createElement("img");
    img.src = photo.thumb;
    img.alt = photo.name;
    img.className = "thumb";
    thumb.appendChild(img);
    item.querySelector("progress").hidden = true;
    huace.say(item.querySelector(".upload-status"),
      photo.duplicate ? "这张照片您已经上传过，可在下方修改说明" : "已上传（" + photo.width + "×" + photo.height + "），请填写说明", "ok");
    const form = item.querySelector(".meta-form");
    ["caption", "photographer", "unit", "place", "date_text"].forEach((name) => { form.elements[name].value = photo[name] || ""; });
    // Coordinates the camera recorded: a hint to write the place's name, never the value itself.
    form.elements.place.placeholder = photo.place_hint ? "相机记录：" + photo.place_hint : "";
    form.elements.place.title = form.elements.place.placeholder;
    if (photo.chapter) form.elements.chapter.value = photo.chapter;
    form.elements.has_map.checked = !!photo.has_map;
    form.elements.map_basis.value = photo.map_basis || "";
    form.elements.map_reference.value = photo.map_reference || "";
    form.dataset.version = photo.version;
    form.dataset.saveUrl = photo.save_url;
    form.hidden = false;
    form.addEventListener("submit", (event) => { event.preventDefault(); save(form); });
    form.addEventListener("input", () => markDirty(form, true));
    form.addEventListener("change", () => markDirty(form, true));
    item.querySelector(".select-label").hidden = false;
    bulk.hidden = false;
    counts.done += 1;
    updateSummary();
  }

  function markDirty(form, dirty) {
    if (dirty) form.dataset.dirty = "1"; else delete form.dataset.dirty;
    if (dirty) huace.say(form.querySelector(".save-status"), "未保存", "busy");
  }

  /* Save one description; true when the server kept it. */
  async function save(form) {
    const status = form.querySelector(".save-status");
    if (!form.elements.caption.value.trim()) {
      huace.say(status, "请填写图片说明", "bad");
      return false;
    }
    const body = { version: parseInt(form.dataset.version, 10) };
    ["caption", ...CREDITS, "chapter", "map_basis", "map_reference"].forEach((name) => { body[name] = form.elements[name].value; });
    body.map_form = 1;
    body.has_map = form.elements.has_map.checked;
    huace.say(status, "保存中…", "busy");
    const data = await huace.postJSON(form.dataset.saveUrl, body);
    if (data.ok) {
      form.dataset.version = data.photo.version;
      markDirty(form, false);
      huace.say(status, "已保存", "ok");
      return true;
    }
    huace.say(status, data.error || "保存失败", "bad");
    return false;
  }

  function uploadedForms(selectedOnly) {
    return Array.from(list.querySelectorAll(".upload.uploaded"))
      .filter((item) => !selectedOnly || item.querySelector(".select-photo").checked)
      .map((item) => item.querySelector(".meta-form"));
  }

  document.getElementById("apply-selected").addEventListener("click", () => {
    const forms = uploadedForms(true);
    const given = CREDITS.filter((name) => bulk.elements[name].value.trim());
    if (!forms.length || !given.length) {
      huace.say(bulkStatus, !forms.length ? "请先勾选照片" : "请先在上面填写要统一的内容", "bad");
      return;
    }
    forms.forEach((form) => {
      given.forEach((name) => { form.elements[name].value = bulk.elements[name].value.trim(); });
      markDirty(form, true);
    });
    huace.say(bulkStatus, "已填入 " + forms.length + " 张照片，尚未保存", "ok");
  });

  document.getElementById("save-all").addEventListener("click", async () => {
    const forms = uploadedForms(false).filter((form) => form.dataset.dirty);
    if (!forms.length) {
      huace.say(bulkStatus, "没有需要保存的修改", "ok");
      return;
    }
    huace.say(bulkStatus, "保存中…", "busy");
    let saved = 0;
    for (const form of forms) {
      if (await save(form)) saved += 1;  // one after another: the server sees one edit at a time
    }
    const failed = forms.length - saved;
    huace.say(bulkStatus, failed ? "已保存 " + saved + " 张，" + failed + " 张未保存（见各照片下的提示）"
                                 : "已全部保存（" + saved + " 张）", failed ? "bad" : "ok");
  });

  selectAll.addEventListener("change", () => {
    list.querySelectorAll(".upload.uploaded .select-photo").forEach((box) => { box.checked = selectAll.checked; });
  });

  window.addEventListener("beforeunload", (event) => {
    const unsaved = uploadedForms(false).some((form) => form.dataset.dirty);
    if (unsaved || running || queue.length) {
      event.preventDefault();
      event.returnValue = "";  // the browser shows its own question; the text is not used
    }
  });

  input.addEventListener("change", () => { addFiles(input.files); input.value = ""; });
  ["dragenter", "dragover"].forEach((type) => zone.addEventListener(type, (e) => {
    e.preventDefault();
    zone.classList.add("over");
  }));
  ["dragleave", "drop"].forEach((type) => zone.addEventListener(type, () => zone.classList.remove("over")));
  zone.addEventListener("drop", (e) => {
    e.preventDefault();
    if (e.dataTransfer && e.dataTransfer.files.length) addFiles(e.dataTransfer.files);
  });
})();
