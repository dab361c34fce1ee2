// The sidebar buttons of the article header did nothing, on wide and on narrow screens:
// sphinx-book-theme 1.3 (hide the sidebar on wide screens) and pydata-sphinx-theme 0.17 (open it
// as a dialog on narrow ones) both listen on the first .primary-toggle / .secondary-toggle of
// the page only, and that is the site header's button, which this layout never shows
// (sphinx-book-theme issue 865). A click on any other toggle is handed to that first one.
document.addEventListener("DOMContentLoaded", () => {
  for (const side of ["primary", "secondary"]) {
    const [listened, ...others] = document.querySelectorAll(`.${side}-toggle`);
    for (const button of others) {
      button.addEventListener(
        "click",
        (event) => {
          event.preventDefault();
          event.stopImmediatePropagation();
          listened.click();
        },
        true,
      );
    }
  }
});
