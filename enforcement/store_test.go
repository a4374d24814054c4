package enforcement_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5/pgxpool"

	"zhifa/app/testenv"
	"zhifa/enforcement"
	"zhifa/fault"
)

func newStore(t *testing.T) (*enforcement.Store, *pgxpool.Pool) {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), testenv.Database(t, ""))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	return enforcement.NewStore(pool), pool
}

// validUntil is a certificate date some years ahead of today, so the officers made
// here stay valid whenever the tests run.
func validUntil() enforcement.Date { return enforcement.DateOf(time.Now()).AddDays(3 * 365) }

func code(region string, n int) string {
	first := fmt.Sprintf("11%s%09d", region, n)
	return first + string(enforcement.CreditCheckChar(first))
}

func mkAgency(t *testing.T, st *enforcement.Store, name, region string, n int) enforcement.Agency {
	t.Helper()
	in := enforcement.AgencyInput{Name: name, Code: code(region, n), RegionCode: region}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := st.CreateAgency(context.Background(), in)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestOfficerStore(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	ag := mkAgency(t, st, "测试县市场监督管理局", "360799", 1)
	in := enforcement.OfficerInput{AgencyID: ag.ID, Name: "张三", CertNo: "36079900001", Fields: []string{"市场监管"},
		CertValidUntil: validUntil()}
	if err := in.Validate(); err != nil {
		t.Fatal(err)
	}
	o, err := st.CreateOfficer(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	if o.AgencyName != ag.Name || o.Status != enforcement.OfficerActive {
		t.Errorf("created officer = %+v", o)
	}
	if _, err := st.CreateOfficer(ctx, in); !fault.Is(err, fault.Conflict) {
		t.Errorf("a second officer with the same certificate number: %v, want conflict", err)
	}
	in.AgencyID = uuid.New()
	in.CertNo = "36079900002"
	if _, err := st.CreateOfficer(ctx, in); !fault.Is(err, fault.Invalid) {
		t.Errorf("an officer of an unknown agency: %v, want invalid", err)
	}
	hours := 60
	up, err := st.UpdateOfficer(ctx, o.ID, func(o *enforcement.Officer) error {
		return o.Apply(enforcement.OfficerPatch{TrainingHours: &hours}, enforcement.MustDate(2026, 11, 22))
	})
	if err != nil || up.TrainingHours != 60 {
		t.Fatalf("update = %+v, %v", up, err)
	}
	_, err = st.UpdateOfficer(ctx, o.ID, func(o *enforcement.Officer) error {
		o.TrainingHours = 999
		return fault.Field("x", "refused")
	})
	if again, _ := st.FindOfficer(ctx, o.ID); err == nil || again.TrainingHours != 60 {
		t.Errorf("a refused update was written: hours %d, err %v", again.TrainingHours, err)
	}
	if _, err := st.FindOfficer(ctx, uuid.New()); !fault.Is(err, fault.NotFound) {
		t.Errorf("unknown officer: %v, want not_found", err)
	}
}

func TestListScopeAndPaging(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	a1 := mkAgency(t, st, "甲县市场监督管理局", "360799", 1)
	a2 := mkAgency(t, st, "甲县城市管理局", "360799", 2)
	mkAgency(t, st, "乙县市场监督管理局", "360798", 3)
	for i := 0; i < 25; i++ {
		ag := a1
		if i%5 == 0 {
			ag = a2
		}
		_, err := st.CreateOfficer(ctx, enforcement.OfficerInput{AgencyID: ag.ID, Name: fmt.Sprintf("人员%02d", i),
			CertNo: fmt.Sprintf("3607990%04d", i), Fields: []string{}, CertValidUntil: validUntil(), Status: "active"})
		if err != nil {
			t.Fatal(err)
		}
	}
	county := enforcement.Scope{RegionPrefix: "360799"}
	l, err := st.ListAgencies(ctx, enforcement.AgencyFilter{Scope: county, Page: enforcement.Page{Number: 1, Size: 20}})
	if err != nil || l.Total != 2 {
		t.Fatalf("county agencies = %d (%v), want 2", l.Total, err)
	}
	p2, err := st.ListOfficers(ctx, enforcement.OfficerFilter{Scope: county, Page: enforcement.Page{Number: 2, Size: 20}})
	if err != nil || p2.Total != 25 || len(p2.Items) != 5 {
		t.Fatalf("page 2 = %d items of %d (%v), want 5 of 25", len(p2.Items), p2.Total, err)
	}
	own, err := st.ListOfficers(ctx, enforcement.OfficerFilter{Scope: enforcement.Scope{AgencyID: a2.ID}, Page: enforcement.Page{Number: 1, Size: 50}})
	if err != nil || own.Total != 5 {
		t.Fatalf("one agency's officers = %d (%v), want 5", own.Total, err)
	}
	for _, o := range own.Items {
		if o.AgencyID != a2.ID {
			t.Errorf("officer %s of another agency in an agency scope", o.Name)
		}
	}
}

func TestCalendarStoreMovesDeadlines(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	y, err := st.CalendarYear(ctx, 2026)
	if err != nil {
		t.Fatal(err)
	}
	if len(y.Holidays) != 33 || len(y.Workdays) != 6 || !strings.Contains(y.Source, "2026") {
		t.Errorf("shipped 2026 calendar: %d holidays, %d make-up workdays, source %q; want 33, 6 and the notice",
			len(y.Holidays), len(y.Workdays), y.Source)
	}
	cal, _ := st.Calendar(ctx)
	from := enforcement.MustDate(2026, 9, 30)
	if got := cal.AddWorkingDays(from, 7); got != enforcement.MustDate(2026, 10, 15) {
		t.Errorf("7 working days after 2026-09-30 = %s, want 2026-10-15", got)
	}
	// An administrator removes the National Day make-up Saturday: the deadline moves.
	var work []enforcement.CalendarDay
	for _, d := range y.Workdays {
		if d.Date != enforcement.MustDate(2026, 10, 10) {
			work = append(work, d)
		}
	}
	y.Workdays = work
	if err := st.PutCalendarYear(ctx, y, uuid.Nil); err == nil {
		t.Fatal("a calendar change by an unknown user was accepted")
	}
	y.Source = "测试修改"
	if err := putAs(t, st, y); err != nil {
		t.Fatal(err)
	}
	cal, _ = st.Calendar(ctx)
	if got := cal.AddWorkingDays(from, 7); got != enforcement.MustDate(2026, 10, 16) {
		t.Errorf("after the change, 7 working days after 2026-09-30 = %s, want 2026-10-16", got)
	}
	for _, yr := range []int{2024, 2025} {
		y, _ := st.CalendarYear(ctx, yr)
		if len(y.Holidays) == 0 || len(y.Workdays) == 0 {
			t.Errorf("calendar %d is not shipped", yr)
		}
	}
}

// putAs saves a calendar as a real user, since the change records who made it.
func putAs(t *testing.T, st *enforcement.Store, y enforcement.CalendarYear) error {
	t.Helper()
	ctx := context.Background()
	ag := mkAgency(t, st, "测试县司法局", "360799", 9)
	u, err := st.CreateUser(ctx, enforcement.UserInput{Username: "admin", Name: "管理员",
		Roles: []enforcement.Role{enforcement.RoleAdmin}, AgencyID: ag.ID}, "x")
	if err != nil {
		return err
	}
	return st.PutCalendarYear(ctx, y, u.ID)
}

func TestActivityIsAppendOnly(t *testing.T) {
	st, pool := newStore(t)
	ctx := context.Background()
	if err := st.AddActivity(ctx, enforcement.Activity{Method: "POST", Path: "/api/v1/officers", Route: "/api/v1/officers",
		Status: 201, IP: "127.0.0.1", RequestID: "r1", Username: "admin"}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `UPDATE activity SET status = 200`); err == nil {
		t.Error("UPDATE on the activity log was allowed")
	}
	if _, err := pool.Exec(ctx, `DELETE FROM activity`); err == nil {
		t.Error("DELETE on the activity log was allowed")
	}
	l, err := st.ListActivity(ctx, enforcement.ActivityFilter{Scope: enforcement.Scope{RegionPrefix: "36"}, Q: "officers",
		Page: enforcement.Page{Number: 1, Size: 10}})
	if err != nil || l.Total != 1 || l.Items[0].Status != 201 {
		t.Errorf("search = %+v, %v", l, err)
	}
}

func TestConcurrentUpdatesSerialise(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	ag := mkAgency(t, st, "测试县农业农村局", "360799", 4)
	o, err := st.CreateOfficer(ctx, enforcement.OfficerInput{AgencyID: ag.ID, Name: "李四", CertNo: "36079900009",
		Fields: []string{}, CertValidUntil: validUntil(), Status: "active"})
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for i := 0; i < 10; i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := st.UpdateOfficer(ctx, o.ID, func(o *enforcement.Officer) error {
				o.TrainingHours++
				time.Sleep(time.Millisecond)
				return nil
			})
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if got, _ := st.FindOfficer(ctx, o.ID); got.TrainingHours != 10 {
		t.Errorf("10 concurrent increments gave %d: updates were lost", got.TrainingHours)
	}
}

// The number shown beside a certificate that cannot be verified: the holder's agency's,
// else the nearest justice bureau above it — never a sibling region's, whose code merely
// starts alike (361000 is not above 3611xx, 360730 not above 360731) — and for a number
// never issued, the highest bureau.
func TestCertificateContact(t *testing.T) {
	st, _ := newStore(t)
	ctx := context.Background()
	s := enforcement.NewService(st)
	mk := func(name, region string, n int, kind enforcement.AgencyKind, phone string) enforcement.Agency {
		in := enforcement.AgencyInput{Name: name, Code: code(region, n), RegionCode: region, Kind: kind, Phone: phone}
		if err := in.Validate(); err != nil {
			t.Fatal(err)
		}
		a, err := st.CreateAgency(ctx, in)
		if err != nil {
			t.Fatal(err)
		}
		return a
	}
	mk("江西省司法厅", "360000", 1, enforcement.KindJustice, "0791-0100001")
	mk("抚州市司法局", "361000", 2, enforcement.KindJustice, "0794-0100002")
	mk("某县司法局", "360730", 3, enforcement.KindJustice, "0797-0100003")
	city := mk("赣州市司法局", "360700", 4, enforcement.KindJustice, "0797-0100004")
	bureau := mk("上饶某县市场监督管理局", "361102", 5, enforcement.KindDepartment, "")
	county := mk("某县二市场监督管理局", "360731", 6, enforcement.KindDepartment, "")
	own := mk("有电话的市场监督管理局", "360731", 7, enforcement.KindDepartment, "0797-0100007")
	for _, c := range []struct {
		agency *uuid.UUID
		want   string
	}{
		{&bureau.ID, "江西省司法厅"}, // 361000's bureau is not above 361102
		{&county.ID, "赣州市司法局"}, // 360730's bureau is not above 360731
		{&own.ID, own.Name},    // its own number first
		{&city.ID, "赣州市司法局"},   // a justice bureau is its own contact
		{nil, "江西省司法厅"},        // a number never issued
	} {
		got, err := s.CertificateContact(ctx, c.agency)
		if err != nil || got.Name != c.want {
			t.Errorf("contact for %v = %+v (%v), want %s", c.agency, got, err, c.want)
		}
	}
}
