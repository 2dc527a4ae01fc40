// 匠桥: tiny page helpers (no external libraries beyond htmx and Tabler, both served locally).
document.addEventListener("htmx:responseError", function (evt) {
  var status = evt.detail.xhr.status;
  var msg = status === 403 ? "您没有此操作的权限" : status === 404 ? "数据不存在或不在您的数据范围内" : "服务器处理出错，请稍后重试";
  window.alert(msg + "（" + status + "）");
});
// A checkbox with data-check-all="<css selector>" ticks or clears every box the selector finds;
// a select or checkbox with data-autosubmit submits its form when changed (no inline handlers).
document.addEventListener("change", function (evt) {
  var el = evt.target;
  if (el.matches && el.matches("[data-check-all]")) {
    document.querySelectorAll(el.getAttribute("data-check-all")).forEach(function (box) {
      box.checked = el.checked;
    });
  }
  if (el.matches && el.matches("[data-autosubmit]") && el.form) {
    el.form.submit();
  }
});
// Confirmations without inline handlers (the Content-Security-Policy allows no inline script): a
// button or form with data-confirm="问题" asks first and stops the submission on 取消.
document.addEventListener("click", function (evt) {
  var el = evt.target.closest && evt.target.closest("[data-confirm]");
  if (el && el.tagName !== "FORM" && !window.confirm(el.getAttribute("data-confirm"))) {
    evt.preventDefault();
    evt.stopImmediatePropagation();
  }
}, true);
document.addEventListener("submit", function (evt) {
  var form = evt.target;
  if (form.matches && form.matches("form[data-confirm]") && !window.confirm(form.getAttribute("data-confirm"))) {
    evt.preventDefault();
  }
}, true);
// 返回上一页 on the error pages: the browser's history when there is one, else the link (home).
document.addEventListener("click", function (evt) {
  var link = evt.target.closest && evt.target.closest("[data-history-back]");
  if (link && window.history.length > 1) {
    evt.preventDefault();
    window.history.back();
  }
});
// 列设置: ↑ / ↓ move a column in the dialog (the form posts the ticked columns in list order).
document.addEventListener("click", function (evt) {
  var button = evt.target.closest && evt.target.closest("[data-move]");
  if (!button) return;
  var item = button.closest("li");
  if (button.getAttribute("data-move") === "up" && item.previousElementSibling) {
    item.parentNode.insertBefore(item, item.previousElementSibling);
  } else if (button.getAttribute("data-move") === "down" && item.nextElementSibling) {
    item.parentNode.insertBefore(item.nextElementSibling, item);
  }
});

// A text box with data-counter and maxlength shows “已输入 n / 上限 字” under it, updated as the
// user types; the browser itself stops input at maxlength (core/field_messages.py sets both).
(function () {
  function counterFor(box) {
    var next = box.nextElementSibling;
    if (next && next.classList.contains("char-counter")) return next;
    var el = document.createElement("small");
    el.className = "char-counter form-hint text-end";
    el.setAttribute("aria-live", "polite");
    box.insertAdjacentElement("afterend", el);
    return el;
  }
  function update(box) {
    var max = parseInt(box.getAttribute("maxlength"), 10);
    if (!max) return;
    var used = box.value.length;
    var el = counterFor(box);
    el.textContent = "已输入 " + used + " / " + max + " 字";
    el.classList.toggle("text-danger", used >= max);
  }
  function scan(root) {
    (root || document).querySelectorAll("[data-counter][maxlength]").forEach(update);
  }
  document.addEventListener("DOMContentLoaded", function () { scan(document); });
  document.addEventListener("htmx:afterSwap", function (evt) { scan(evt.target); });
  document.addEventListener("input", function (evt) {
    var el = evt.target;
    if (el.matches && el.matches("[data-counter][maxlength]")) update(el);
  });
})();

// 更多筛选 (generic/object_list.html): the badge on the fold counts the folded filters in use.
function countFolded(details) {
  var names = {};
  details.querySelectorAll("input, select, textarea").forEach(function (el) {
    if (!el.name || el.type === "hidden") return;
    var on = el.type === "checkbox" || el.type === "radio" ? el.checked
      : el.multiple ? el.selectedOptions.length > 0
      : el.value.trim() !== "" && el.value !== "unknown";
    if (on) names[el.name] = true;
  });
  var badge = details.querySelector("[data-filter-count]");
  if (!badge) return;
  var n = Object.keys(names).length;
  badge.textContent = n;
  badge.hidden = n === 0;
}
["change", "input"].forEach(function (type) {
  document.addEventListener(type, function (evt) {
    var details = evt.target.closest && evt.target.closest("details.filter-more");
    if (details) countFolded(details);
  });
});
