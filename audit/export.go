package audit

import (
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"time"

	"github.com/xuri/excelize/v2"
)

// WriteCSV writes one line per figure and category, with a byte-order mark so that
// spreadsheet programs read the Chinese text as UTF-8.
func WriteCSV(w io.Writer, r *Report) error {
	if _, err := io.WriteString(w, "\ufeff"); err != nil {
		return err
	}
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"年度", "区划代码", "板块", "统计项", "代码", "分类", "数值", "单位"})
	for _, f := range r.Figures {
		n, unit := forPeople(f.Value, f.Unit)
		_ = cw.Write([]string{strconv.Itoa(r.Year), r.RegionCode, f.Section, f.Label, f.Key, "", n, unit})
		for _, p := range f.Parts {
			n, unit := forPeople(p.Value, f.Unit)
			_ = cw.Write([]string{strconv.Itoa(r.Year), r.RegionCode, f.Section, f.Label, f.Key + "." + p.Key, p.Label, n, unit})
		}
	}
	_ = cw.Write([]string{strconv.Itoa(r.Year), r.RegionCode, "执法主体与人员", "法制审核人员占执法人员比例", "reviewer_share", "",
		strconv.FormatFloat(r.ReviewerShare, 'f', 1, 64), "%"})
	_ = cw.Write([]string{strconv.Itoa(r.Year), r.RegionCode, "双随机、一公开监管", "企业评价平均星级", "check_ratings_mean", "",
		strconv.FormatFloat(r.RatingMean, 'f', 1, 64), "星"})
	cw.Flush()
	return cw.Error()
}

// WriteXLSX writes the report as a workbook: an overview sheet, then one sheet per
// section, each written row by row through excelize's stream writer.
func WriteXLSX(w io.Writer, r *Report) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName("Sheet1", "总览"); err != nil {
		return err
	}
	sw, err := f.NewStreamWriter("总览")
	if err != nil {
		return err
	}
	rows := [][]any{{fmt.Sprintf("%d 年度法治政府建设（行政执法）统计", r.Year)}, {"区划代码", r.RegionCode}, {"数据截至", r.AsOf},
		{"生成时间", r.GeneratedAt.Format(time.DateTime)}, {"说明", "全部数字由平台按业务记录自动统计，未经人工录入"}, {}, {"板块", "统计项", "数值", "单位"}}
	for _, f := range r.Figures {
		rows = append(rows, append([]any{f.Section, f.Label}, cell(f.Value, f.Unit)...))
	}
	rows = append(rows, []any{"执法主体与人员", "法制审核人员占执法人员比例", r.ReviewerShare, "%"},
		[]any{"双随机、一公开监管", "企业评价平均星级", r.RatingMean, "星"})
	if err := streamRows(sw, rows); err != nil {
		return err
	}
	for _, s := range r.Sections() {
		if _, err := f.NewSheet(s.Name); err != nil {
			return err
		}
		sw, err := f.NewStreamWriter(s.Name)
		if err != nil {
			return err
		}
		rows := [][]any{{"统计项", "分类", "数值", "单位", "代码"}}
		for _, fg := range s.Figures {
			rows = append(rows, append(append([]any{fg.Label, ""}, cell(fg.Value, fg.Unit)...), fg.Key))
			for _, p := range fg.Parts {
				rows = append(rows, append(append([]any{fg.Label, p.Label}, cell(p.Value, fg.Unit)...), fg.Key+"."+p.Key))
			}
		}
		if err := streamRows(sw, rows); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// forPeople writes a figure for a spreadsheet: amounts, counted in fen, as yuan with two
// decimals; everything else as the count it is. The JSON keeps fen, exact integers.
func forPeople(v int64, unit string) (string, string) {
	if unit == "分" {
		return fmt.Sprintf("%d.%02d", v/100, v%100), "元"
	}
	return strconv.FormatInt(v, 10), unit
}

// cell is a figure's value and unit for a workbook row, amounts in yuan as numbers.
func cell(v int64, unit string) []any {
	if unit == "分" {
		return []any{float64(v) / 100, "元"}
	}
	return []any{v, unit}
}

func streamRows(sw *excelize.StreamWriter, rows [][]any) error {
	for i, row := range rows {
		cell, _ := excelize.CoordinatesToCellName(1, i+1)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}
