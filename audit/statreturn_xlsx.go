package audit

import (
	"fmt"
	"io"
	"strconv"

	"github.com/xuri/excelize/v2"
)

// Wan is an amount in fen as 万元 to four decimals (to the yuan), as the return prints it.
func Wan(fen int64) string {
	return strconv.FormatFloat(float64(fen)/1e6, 'f', 4, 64)
}

// ColumnHeader is a column's label as the return's header prints it, with its unit where
// it is not a count.
func ColumnHeader(c ReturnColumn) string {
	if c.Unit == "分" {
		return c.Label + "（万元）"
	}
	return c.Label
}

// WriteReturnXLSX writes the return as a workbook in the return's layout: one sheet per
// table, the title, a two-row header (column groups over their columns), one row per
// agency, the total, and the table's notes.
func WriteReturnXLSX(w io.Writer, r *StatReturn) error {
	f := excelize.NewFile()
	defer f.Close()
	border := []excelize.Border{{Type: "left", Color: "000000", Style: 1}, {Type: "right", Color: "000000", Style: 1},
		{Type: "top", Color: "000000", Style: 1}, {Type: "bottom", Color: "000000", Style: 1}}
	title, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true, Size: 14}, Alignment: &excelize.Alignment{Horizontal: "center"}})
	if err != nil {
		return err
	}
	head, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}, Border: border,
		Alignment: &excelize.Alignment{Horizontal: "center", Vertical: "center", WrapText: true}})
	if err != nil {
		return err
	}
	body, err := f.NewStyle(&excelize.Style{Border: border})
	if err != nil {
		return err
	}
	money, err := f.NewStyle(&excelize.Style{Border: border, CustomNumFmt: ptr("0.0000")})
	if err != nil {
		return err
	}
	for t, tb := range r.Tables {
		name := fmt.Sprintf("表%d %s", t+1, tb.Title[:len(tb.Title)-len("实施情况统计表")])
		if t == 0 {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		last, _ := excelize.ColumnNumberToName(len(tb.Columns) + 1)
		set := func(cell string, v any) { _ = f.SetCellValue(name, cell, v) }
		set("A1", fmt.Sprintf("%d 年度%s", r.Year, tb.Title))
		_ = f.MergeCell(name, "A1", last+"1")
		_ = f.SetCellStyle(name, "A1", "A1", title)
		set("A2", fmt.Sprintf("区划代码 %s · 数据截至 %s · 由平台按业务记录自动统计", r.RegionCode, r.AsOf))
		_ = f.MergeCell(name, "A2", last+"2")
		set("A3", "单位名称")
		_ = f.MergeCell(name, "A3", "A4")
		for i := 0; i < len(tb.Columns); {
			c := tb.Columns[i]
			col, _ := excelize.ColumnNumberToName(i + 2)
			if c.Group == "" {
				set(col+"3", ColumnHeader(c))
				_ = f.MergeCell(name, col+"3", col+"4")
				i++
				continue
			}
			j := i
			for j < len(tb.Columns) && tb.Columns[j].Group == c.Group {
				cj, _ := excelize.ColumnNumberToName(j + 2)
				set(cj+"4", ColumnHeader(tb.Columns[j]))
				j++
			}
			end, _ := excelize.ColumnNumberToName(j + 1)
			set(col+"3", c.Group)
			if end != col {
				_ = f.MergeCell(name, col+"3", end+"3")
			}
			i = j
		}
		_ = f.SetCellStyle(name, "A3", last+"4", head)
		row := 5
		put := func(label string, vals []int64) {
			set(fmt.Sprintf("A%d", row), label)
			for j, v := range vals {
				cell, _ := excelize.CoordinatesToCellName(j+2, row)
				if tb.Columns[j].Unit == "分" {
					set(cell, float64(v)/1e6)
					_ = f.SetCellStyle(name, cell, cell, money)
				} else {
					set(cell, v)
					_ = f.SetCellStyle(name, cell, cell, body)
				}
			}
			_ = f.SetCellStyle(name, fmt.Sprintf("A%d", row), fmt.Sprintf("A%d", row), body)
			row++
		}
		for _, ag := range tb.Rows {
			put(ag.Agency, ag.Values)
		}
		put("合计", tb.Total)
		row++
		set(fmt.Sprintf("A%d", row), "说明：")
		for i, n := range tb.Notes {
			row++
			set(fmt.Sprintf("A%d", row), fmt.Sprintf("%d. %s", i+1, n))
		}
		_ = f.SetColWidth(name, "A", "A", 28)
		if len(tb.Columns) > 0 {
			first, _ := excelize.ColumnNumberToName(2)
			_ = f.SetColWidth(name, first, last, 11)
		}
	}
	return f.Write(w)
}

func ptr[T any](v T) *T { return &v }
