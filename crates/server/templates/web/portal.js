// The portal works without scripts; this file only saves a tap. A form marked
// data-autosubmit (the page that confirms an address from a mailed link) sends itself.
document.querySelectorAll("form[data-autosubmit]").forEach(function (form) {
  if (!form.dataset.sent) {
    form.dataset.sent = "1";
    form.submit();
  }
});
