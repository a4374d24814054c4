package app

import (
	"context"
	"fmt"
	"io"

	"github.com/google/uuid"

	"zhifa/enforcement"
	"zhifa/inspection"
)

// seedMatters puts common random-inspection matters on the demo county's list, once.
func (a *App) seedMatters(ctx context.Context, out io.Writer) error {
	var have int
	if err := a.db.QueryRow(ctx, `SELECT count(*) FROM inspection_matters`).Scan(&have); err != nil || have > 0 {
		return err
	}
	admin, err := a.demoAdmin(ctx)
	if err != nil {
		return err
	}
	list := []struct{ agency, name, basis, method, target string }{
		{"青山县市场监督管理局", "食品经营者监督检查", "《中华人民共和国食品安全法》第一百一十条", "现场检查、抽样检验", "食品经营者"},
		{"青山县市场监督管理局", "企业公示信息抽查", "《企业信息公示暂行条例》第十四条", "书面检查、实地核查", "企业"},
		{"青山县市场监督管理局", "特种设备使用单位检查", "《中华人民共和国特种设备安全法》第五十七条", "现场检查", "特种设备使用单位"},
		{"青山县城市管理局", "户外广告设施设置检查", "《城市市容和环境卫生管理条例》第十一条", "现场检查", "户外广告设置单位"},
		{"青山县城市管理局", "建筑垃圾运输检查", "《城市建筑垃圾管理规定》第二十二条", "现场检查", "建筑垃圾运输企业"},
		{"赣州市青山生态环境局", "排污单位污染物排放检查", "《中华人民共和国环境保护法》第二十四条", "现场检查、监测", "排污单位"},
		{"青山县应急管理局", "危险化学品经营企业安全检查", "《危险化学品安全管理条例》第六条", "现场检查", "危险化学品经营企业"},
		{"青山县交通运输局", "道路运输企业检查", "《中华人民共和国道路运输条例》第五十八条", "现场检查、书面检查", "道路运输企业"},
	}
	n := 0
	for _, m := range list {
		var agency uuid.UUID
		if err := a.db.QueryRow(ctx, `SELECT id FROM agencies WHERE name = $1`, m.agency).Scan(&agency); err != nil {
			continue // a county without this agency simply has fewer matters
		}
		if _, err := a.inspection.AddMatter(ctx, admin, inspection.MatterInput{AgencyID: agency, Name: m.name, LegalBasis: m.basis,
			Method: m.method, TargetType: m.target}); err != nil {
			return err
		}
		n++
	}
	fmt.Fprintf(out, "演示抽查事项已载入：%d 项\n", n)
	return nil
}

// demoAdmin is the demo county's administrator, who loads its lists.
func (a *App) demoAdmin(ctx context.Context) (enforcement.Actor, error) {
	u, err := a.enforcement.Store.FindUserByUsername(ctx, "admin")
	if err != nil {
		return enforcement.Actor{}, err
	}
	return a.enforcement.Store.FindActor(ctx, u.ID)
}
