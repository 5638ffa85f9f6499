-- site_links.lua -- pandoc filter of `make site` (scripts/site.sh): a link to
-- one of the repository's Markdown pages points at that page's HTML, a
-- README at its folder's index.html; anchors and other links are kept.
function Link(el)
  local target = el.target
  if target:match("^%a[%w+.-]*:") or target:sub(1, 1) == "#" then return el end
  local path, fragment = target:match("^([^#]*)(#?.*)$")
  if path:match("%.md$") then
    path = path:gsub("README%.md$", "index.html")
    path = path:gsub("%.md$", ".html")
    el.target = path .. fragment
  end
  return el
end
