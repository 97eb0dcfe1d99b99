-- Pandoc filter for the PDF.
-- Text the model wrote (spans of class "generated", made by report/render.py) goes into
-- \generated{...}, with a place to break the line after each of its characters that is not followed
-- by a space: one that costs so much that TeX takes it only where a line has no space to break at.
-- (The text itself holds no invisible character: the HTML page and the notebooks break it by CSS.)
-- A table's caption (a paragraph opening with a span of class "caption", right above the table)
-- becomes the table's own caption, which longtable sets in the table's head: it never sits on one
-- page and its table on the next. A short table never splits across pages; a longer one never
-- leaves its first row alone at the foot of a page, or its last alone at the head of the next.
-- A figure's caption (a paragraph opening with "**Figure N.**") never splits across pages, and the
-- LaTeX template allows no page break between a figure and what follows it: the two stay together.

local COSTLY_BREAK = "\\penalty5000\\relax{}"

local function breakable(inlines)
  local out = pandoc.List()
  for i, el in ipairs(inlines) do
    if el.t == "Str" then
      local chars = {}
      for _, code in utf8.codes(el.text) do table.insert(chars, utf8.char(code)) end
      for j, ch in ipairs(chars) do
        out:insert(pandoc.Str(ch))
        local next_el = inlines[i + 1]
        if j < #chars or not (next_el and next_el.t == "Space") then     -- TeX breaks at a space itself
          out:insert(pandoc.RawInline("latex", COSTLY_BREAK))
        end
      end
    else
      out:insert(el)
    end
  end
  return out
end

function Span(el)
  if el.classes:includes("generated") then
    el.content = breakable(el.content)
    return {pandoc.RawInline("latex", "\\generated{"), el, pandoc.RawInline("latex", "}")}
  end
end

-- Tables. A table of up to KEEP_LINES lines (estimated: a cell's characters over its column's share of
-- LINE_CHARS; a table with no column widths has a line per row) is kept on one page.
local KEEP_LINES, LINE_CHARS = 30, 80

local function lines_of(row, colspecs)
  local most = 1
  for i, cell in ipairs(row.cells) do
    local width = colspecs[i] and colspecs[i][2]
    if type(width) == "number" and width > 0 then
      local chars = utf8.len(pandoc.utils.stringify(cell.contents)) or 0
      most = math.max(most, math.ceil(chars / (width * LINE_CHARS)))
    end
  end
  return most
end

-- The table as LaTeX, each of its body rows that no page may break after ending with \\* (longtable's
-- row end without a page break): every row of a short table; otherwise the first (two rows at least
-- on the page it starts on), the last but one (two at least on the page it ends on) and the last.
local function kept_together(tbl)
  local rows = {}
  for _, body in ipairs(tbl.bodies) do
    for _, row in ipairs(body.body) do table.insert(rows, row) end
  end
  local height = 2 + math.ceil((utf8.len(pandoc.utils.stringify(tbl.caption.long)) or 0) / LINE_CHARS)
  for _, row in ipairs(tbl.head.rows) do height = height + lines_of(row, tbl.colspecs) end
  for _, row in ipairs(rows) do height = height + lines_of(row, tbl.colspecs) end
  local latex = pandoc.write(pandoc.Pandoc({tbl}), "latex")
  local out, r, in_body = {}, 0, false
  for line in (latex .. "\n"):gmatch("(.-)\n") do
    if in_body and line:match(" \\\\$") then                        -- a row's end: " \\"
      r = r + 1
      if height <= KEEP_LINES or r == 1 or r >= #rows - 1 then line = line .. "*" end
    elseif line:match("^\\endhead") then
      in_body = true
    elseif line:match("^\\bottomrule") then
      in_body = false
    end
    table.insert(out, line)
  end
  return pandoc.RawBlock("latex", table.concat(out, "\n"))
end

local function opens_with_span(block, class)
  return block.t == "Para" and block.content[1] and block.content[1].t == "Span"
    and block.content[1].classes:includes(class)
end

local function is_figure_caption(block)
  return block.t == "Para" and block.content[1] and block.content[1].t == "Strong"
    and pandoc.utils.stringify(block.content[1]):match("^Figure %d+%.$") ~= nil
end

function Pandoc(doc)
  local blocks, i = {}, 1
  while i <= #doc.blocks do
    local block, next_block = doc.blocks[i], doc.blocks[i + 1]
    if opens_with_span(block, "caption") and next_block and next_block.t == "Table" then
      next_block.caption.long = {pandoc.Plain(block.content)}
      table.insert(blocks, kept_together(next_block))
      i = i + 2
    else
      if block.t == "Table" then
        table.insert(blocks, kept_together(block))
      elseif is_figure_caption(block) then
        table.insert(blocks, pandoc.RawBlock("latex", "\\begingroup\\interlinepenalty=10000"))
        table.insert(blocks, block)
        table.insert(blocks, pandoc.RawBlock("latex", "\\par\\endgroup"))
      else
        table.insert(blocks, block)
      end
      i = i + 1
    end
  end
  doc.blocks = blocks
  return doc
end
