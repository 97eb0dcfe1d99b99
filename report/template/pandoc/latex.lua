-- Pandoc filter for the PDF. Text the model wrote (spans of class "generated", made by
-- report/helpers.py) goes into \generated{...}. A table's caption (a paragraph opening with a span
-- of class "caption", right above the table) becomes the table's own caption, which longtable sets
-- in the table's head: it never sits on one page and its table on the next.
function Span(el)
  if el.classes:includes("generated") then
    return {pandoc.RawInline("latex", "\\generated{"), pandoc.Span(el.content), pandoc.RawInline("latex", "}")}
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
