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
