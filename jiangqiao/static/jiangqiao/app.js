// 匠桥: tiny page helpers (no external libraries beyond htmx and Tabler, both served locally).
document.addEventListener("htmx:responseError", function (evt) {
  var status = evt.detail.xhr.status;
  var msg = status === 403 ? "您没有此操作的权限" : status === 404 ? "数据不存在或不在您的数据范围内" : "服务器处理出错，请稍后重试";
  window.alert(msg + "（" + status + "）");
});
