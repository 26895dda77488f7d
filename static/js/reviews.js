// A change request's page (templates/editor/request.html): one line's comment form at a
// time. Each line's "Comment" link asks htmx for the form under its line; the form of the
// line asked before goes, so the page never holds two forms with the same ids.
document.addEventListener("htmx:beforeSwap", (event) => {
  const asker = event.detail.requestConfig && event.detail.requestConfig.elt;
  if (asker && asker.matches && asker.matches(".comment-link")) {
    const earlier = document.getElementById("new-comment");
    if (earlier) earlier.remove();
  }
});
