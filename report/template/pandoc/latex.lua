-- Pandoc filter for the PDF. Text the model wrote (spans of class "generated", made by
-- report/render.py) goes into \generated{...}. A table's caption (a paragraph opening with a span
-- of class "caption", right above the table) becomes the table's own caption, which longtable sets
-- in the table's head: it never sits on one page and its table on the next.
-- Inside generated text a zero-width space (one follows every character) becomes a place to break
-- a line that costs so much that TeX takes it only where a line has no space to break at.
local ZWSP = "\u{200B}"
local costly_break = {Str = function(s)
  local out, start = {}, 1
  while true do
    local i, j = s.text:find(ZWSP, start, true)
    if not i then break end
    if i > start then table.insert(out, pandoc.Str(s.text:sub(start, i - 1))) end
    table.insert(out, pandoc.RawInline("latex", "\\penalty5000\\relax{}"))
    start = j + 1
  end
  if start <= #s.text then table.insert(out, pandoc.Str(s.text:sub(start))) end
  return out
end}

function Span(el)
  if el.classes:includes("generated") then
    return {pandoc.RawInline("latex", "\\generated{"), pandoc.walk_inline(el, costly_break),
            pandoc.RawInline("latex", "}")}
  end
end

local function is_caption(block)
  return block.t == "Para" and block.content[1] and block.content[1].t == "Span"
    and block.content[1].classes:includes("caption")
end

function Pandoc(doc)
  local blocks, i = {}, 1
  while i <= #doc.blocks do
    local block, next_block = doc.blocks[i], doc.blocks[i + 1]
    if is_caption(block) and next_block and next_block.t == "Table" then
      next_block.caption.long = {pandoc.Plain(block.content)}
      table.insert(blocks, next_block)
      i = i + 2
    else
      table.insert(blocks, block)
      i = i + 1
    end
  end
  doc.blocks = blocks
  return doc
end
