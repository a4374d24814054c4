package enforcement

import (
	"context"
	"runtime"
	"time"

	"github.com/google/uuid"

	"zhifa/fault"
)

// Service applies the rules of who may see and change what, over the store.
type Service struct {
	Store      *Store
	Now        func() time.Time
	Disclosure DisclosurePolicy
	// ReadGrant, when set, lets someone outside a case's scope read it (never change it):
	// case-file evaluators read the files given to them in an open campaign.
	ReadGrant func(ctx context.Context, a Actor, caseID uuid.UUID) (bool, error)
	// hashing bounds the password checks running at once: each holds 19 MiB for tens of
	// milliseconds, so a burst of logins across many accounts waits its turn instead of
	// taking the machine's memory.
	hashing chan struct{}
}

// NewService returns a service over a store with the real clock and the usual display
// periods (3 years; 3 months for minor penalties).
func NewService(st *Store) *Service {
	return &Service{Store: st, Now: time.Now, Disclosure: DisclosurePolicy{DisplayMonths: 36, DisplayMonthsMinor: 3},
		hashing: make(chan struct{}, 2*runtime.NumCPU())}
}

// Today is the current date in Asia/Shanghai.
func (s *Service) Today() Date { return DateOf(s.Now()) }

// outOfScope answers for an object the actor may not see exactly as for an absent one.
func outOfScope(what string) error { return fault.Hidden("%s不存在", what) }

// FindAgency returns an agency the actor may see.
func (s *Service) FindAgency(ctx context.Context, a Actor, id uuid.UUID) (Agency, error) {
	ag, err := s.Store.FindAgency(ctx, id)
	if err != nil {
		return ag, err
	}
	if !a.Scope().Covers(ag) {
		return Agency{}, outOfScope("机构")
	}
	return ag, nil
}

// ListAgencies lists the agencies the actor may see.
func (s *Service) ListAgencies(ctx context.Context, a Actor, f AgencyFilter) (List[Agency], error) {
	f.Scope = a.Scope()
	return s.Store.ListAgencies(ctx, f)
}

// CreateAgency lets an administrator add an agency inside their own region, under a
// parent they may see.
func (s *Service) CreateAgency(ctx context.Context, a Actor, in AgencyInput) (Agency, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return Agency{}, err
	}
	if err := in.Validate(); err != nil {
		return Agency{}, err
	}
	if !a.Scope().Covers(Agency{RegionCode: in.RegionCode}) {
		return Agency{}, fault.Field("region_code", "只能在本辖区（%s）内新增机构", a.RegionCode)
	}
	if in.ParentID != nil {
		parent, err := s.Store.FindAgency(ctx, *in.ParentID)
		if fault.Is(err, fault.NotFound) {
			return Agency{}, fault.Field("parent_id", "上级机构不存在")
		}
		if err != nil {
			return Agency{}, err
		}
		if !a.Scope().Covers(parent) && parent.ID != a.AgencyID {
			return Agency{}, fault.Field("parent_id", "上级机构不在您的管辖范围内")
		}
	}
	return s.Store.CreateAgency(ctx, in)
}

// SetAgencyPhone lets an administrator of the region change an agency's public number.
func (s *Service) SetAgencyPhone(ctx context.Context, a Actor, id uuid.UUID, phone string) (Agency, error) {
	if _, err := s.FindAgency(ctx, a, id); err != nil {
		return Agency{}, err
	}
	if err := a.Require(RoleAdmin); err != nil {
		return Agency{}, err
	}
	phone, err := CheckAgencyPhone(phone)
	if err != nil {
		return Agency{}, err
	}
	return s.Store.SetAgencyPhone(ctx, id, phone)
}

// SetDocumentsFrom lets an administrator set the day from which the agency's cases need
// their documents made in zhifa (nil: not required).
func (s *Service) SetDocumentsFrom(ctx context.Context, a Actor, id uuid.UUID, from *Date) (Agency, error) {
	if _, err := s.FindAgency(ctx, a, id); err != nil {
		return Agency{}, err
	}
	if err := a.Require(RoleAdmin); err != nil {
		return Agency{}, err
	}
	return s.Store.SetDocumentsFrom(ctx, id, from)
}

// FindOfficer returns an officer the actor may see.
func (s *Service) FindOfficer(ctx context.Context, a Actor, id uuid.UUID) (Officer, error) {
	o, err := s.Store.FindOfficer(ctx, id)
	if err != nil {
		return o, err
	}
	if err := s.inScope(ctx, a, o.AgencyID, "执法人员"); err != nil {
		return Officer{}, err
	}
	return o.AsOf(s.Today()), nil
}

// inScope checks that an object of an agency (what names its kind) lies in the actor's
// scope; outside it, the object answers as absent.
func (s *Service) inScope(ctx context.Context, a Actor, agencyID uuid.UUID, what string) error {
	sc := a.Scope()
	if sc.AgencyID == agencyID {
		return nil
	}
	if sc.RegionPrefix == "" {
		return outOfScope(what)
	}
	ag, err := s.Store.FindAgency(ctx, agencyID)
	if err != nil {
		return err
	}
	if !sc.Covers(ag) {
		return outOfScope(what)
	}
	return nil
}

// ListOfficers lists the officers the actor may see.
func (s *Service) ListOfficers(ctx context.Context, a Actor, f OfficerFilter) (List[Officer], error) {
	f.Scope = a.Scope()
	f.Today = s.Today()
	switch f.Status {
	case "", OfficerActive, OfficerExpired, OfficerSuspended, OfficerRevoked:
	default:
		return List[Officer]{}, fault.Field("status", "证件状态应为 active、expired、suspended 或 revoked")
	}
	l, err := s.Store.ListOfficers(ctx, f)
	for i := range l.Items {
		l.Items[i] = l.Items[i].AsOf(f.Today)
	}
	return l, err
}

// CreateOfficer lets an administrator register an officer of an agency in their region.
func (s *Service) CreateOfficer(ctx context.Context, a Actor, in OfficerInput) (Officer, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return Officer{}, err
	}
	if err := in.Validate(); err != nil {
		return Officer{}, err
	}
	if err := s.agencyField(ctx, a, in.AgencyID); err != nil {
		return Officer{}, err
	}
	o, err := s.Store.CreateOfficer(ctx, in)
	return o.AsOf(s.Today()), err
}

// agencyField checks that an agency named in input exists and lies in the actor's scope.
func (s *Service) agencyField(ctx context.Context, a Actor, id uuid.UUID) error {
	err := s.inScope(ctx, a, id, "机构")
	if fault.Is(err, fault.NotFound) { // absent or outside the scope: the same answer
		return fault.Field("agency_id", "所属机关不存在")
	}
	return err
}

// UpdateOfficer lets an administrator change an officer of their region.
func (s *Service) UpdateOfficer(ctx context.Context, a Actor, id uuid.UUID, p OfficerPatch) (Officer, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return Officer{}, err
	}
	if _, err := s.FindOfficer(ctx, a, id); err != nil {
		return Officer{}, err
	}
	today := s.Today()
	o, err := s.Store.UpdateOfficer(ctx, id, func(o *Officer) error { return o.Apply(p, today) })
	return o.AsOf(today), err
}

// CreateUser lets an administrator open an account in their region. An officer's account
// is bound to an officer record of the same agency.
func (s *Service) CreateUser(ctx context.Context, a Actor, in UserInput) (User, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return User{}, err
	}
	if err := in.Validate(); err != nil {
		return User{}, err
	}
	if err := s.agencyField(ctx, a, in.AgencyID); err != nil {
		return User{}, err
	}
	if in.OfficerID != nil {
		o, err := s.Store.FindOfficer(ctx, *in.OfficerID)
		if fault.Is(err, fault.NotFound) {
			return User{}, fault.Field("officer_id", "执法人员档案不存在")
		}
		if err != nil {
			return User{}, err
		}
		if o.AgencyID != in.AgencyID {
			return User{}, fault.Field("officer_id", "执法人员不属于所选机关")
		}
	}
	hash, err := HashPassword(in.Password)
	if err != nil {
		return User{}, err
	}
	return s.Store.CreateUser(ctx, in, hash)
}

// ListUsers lets administrators and supervisors see the accounts of their region.
func (s *Service) ListUsers(ctx context.Context, a Actor, f UserFilter) (List[User], error) {
	if err := a.Require(RoleAdmin, RoleSupervisor); err != nil {
		return List[User]{}, err
	}
	f.Scope = a.Scope()
	return s.Store.ListUsers(ctx, f)
}

// Authenticate checks a username and password. Unknown users and wrong passwords get
// the same error after the same work.
func (s *Service) Authenticate(ctx context.Context, username, password string) (User, error) {
	u, err := s.Store.FindUserByUsername(ctx, username)
	if err != nil && !fault.Is(err, fault.NotFound) {
		return User{}, err
	}
	select {
	case s.hashing <- struct{}{}:
		defer func() { <-s.hashing }()
	case <-ctx.Done():
		return User{}, fault.Wrap(ctx.Err(), fault.Unavailable, "登录繁忙，请稍后重试")
	}
	if !CheckPassword(u.PasswordHash, password) || u.Disabled {
		return User{}, fault.New(fault.Unauthorized, "用户名或密码错误")
	}
	return u, nil
}

// CalendarYearsNeeded are the years whose holidays deadlines counted today may reach:
// this year, and from October the next too, since periods of up to three months then
// cross the year's end (the State Council publishes the next year's arrangement in the
// autumn).
func CalendarYearsNeeded(today Date) []int {
	if today.Month >= time.October {
		return []int{today.Year, today.Year + 1}
	}
	return []int{today.Year}
}

// CalendarGaps lists the needed years not yet entered: until they are, their deadlines
// count Monday to Friday as working days, holidays and swapped working days unknown.
func (s *Service) CalendarGaps(ctx context.Context) ([]int, error) {
	return s.Store.CalendarYearsMissing(ctx, CalendarYearsNeeded(s.Today()))
}

// CalendarYear returns a year of the working-day calendar; every signed-in user may read it.
func (s *Service) CalendarYear(ctx context.Context, year int) (CalendarYear, error) {
	if year < 2000 || year > 2100 {
		return CalendarYear{}, fault.Field("year", "年份应在 2000 至 2100 之间")
	}
	return s.Store.CalendarYear(ctx, year)
}

// PutCalendarYear lets an administrator replace a year's holidays and make-up workdays.
// Deadlines are computed from the calendar when read, so running ones move at once.
func (s *Service) PutCalendarYear(ctx context.Context, a Actor, y CalendarYear) (CalendarYear, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return CalendarYear{}, err
	}
	if err := y.Validate(); err != nil {
		return CalendarYear{}, err
	}
	if y.Source == "" {
		y.Source = "管理员维护"
	}
	if err := s.Store.PutCalendarYear(ctx, y, a.UserID); err != nil {
		return CalendarYear{}, err
	}
	return s.Store.CalendarYear(ctx, y.Year)
}

// ListActivity lets administrators and supervisors search the activity log of their region.
func (s *Service) ListActivity(ctx context.Context, a Actor, f ActivityFilter) (List[Activity], error) {
	if err := a.Require(RoleAdmin, RoleSupervisor); err != nil {
		return List[Activity]{}, err
	}
	f.Scope = a.Scope()
	return s.Store.ListActivity(ctx, f)
}

// Counts returns the home-page figures for the actor's scope.
func (s *Service) Counts(ctx context.Context, a Actor) (OfficerCounts, error) {
	return s.Store.CountOfficers(ctx, a.Scope(), s.Today())
}

// UserPatch withdraws or restores an account's legal qualification, or disables it.
type UserPatch struct {
	LegalQualified *bool `json:"legal_qualified"`
	Disabled       *bool `json:"disabled"`
}

// UpdateUser lets an administrator of the region change an account's qualification or
// disable it; a withdrawn reviewer loses the review queue at their next request.
func (s *Service) UpdateUser(ctx context.Context, a Actor, id uuid.UUID, p UserPatch) (User, error) {
	if err := a.Require(RoleAdmin); err != nil {
		return User{}, err
	}
	u, err := s.Store.FindUser(ctx, id)
	if err != nil {
		return User{}, err
	}
	ag, err := s.Store.FindAgency(ctx, u.AgencyID)
	if err != nil {
		return User{}, err
	}
	if !a.Scope().Covers(ag) {
		return User{}, outOfScope("用户")
	}
	if u.ID == a.UserID && p.Disabled != nil && *p.Disabled {
		return User{}, fault.Field("disabled", "不能停用自己的账号")
	}
	q, d := u.LegalQualified, u.Disabled
	if p.LegalQualified != nil {
		q = *p.LegalQualified
	}
	if p.Disabled != nil {
		d = *p.Disabled
	}
	return s.Store.UpdateUserFlags(ctx, id, q, d)
}
