package audit

import (
	"context"
	"slices"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"

	"zhifa/enforcement"
)

// RatingCount is how many files got a rating.
type RatingCount struct {
	Rating Rating `json:"rating"`
	Label  string `json:"label"`
	Count  int    `json:"count"`
}

// Band is a range of totals and how many scored files fall in it.
type Band struct {
	Label string `json:"label"`
	Count int    `json:"count"`
}

// ItemTally is how often a rubric item was found wanting.
type ItemTally struct {
	Code   string  `json:"code"`
	Title  string  `json:"title"`
	Group  Group   `json:"group"`
	Files  int     `json:"files"`  // files with a deduction or veto on it
	Points float64 `json:"points"` // points taken off in all
}

// AgencySummary is one evaluated agency's results.
type AgencySummary struct {
	AgencyID uuid.UUID     `json:"agency_id"`
	Name     string        `json:"name"`
	Files    int           `json:"files"`
	Scored   int           `json:"scored"`
	Mean     float64       `json:"mean"`
	Ratings  []RatingCount `json:"ratings"`
	Problems int           `json:"problems"`
	Open     int           `json:"rectifications_open"`
	Closed   int           `json:"rectifications_closed"`
}

// Summary is a campaign's results: files by rating, the spread of totals, the most
// frequent problems and each agency's figures.
type Summary struct {
	Evaluation     Evaluation      `json:"evaluation"`
	Files          int             `json:"files"`
	Scored         int             `json:"scored"`
	ByRating       map[Rating]int  `json:"by_rating"`
	Ratings        []RatingCount   `json:"ratings"`
	Mean           float64         `json:"mean"`
	Min            float64         `json:"min"`
	Max            float64         `json:"max"`
	Distribution   []Band          `json:"distribution"`
	Problems       []ItemTally     `json:"problems"` // most frequent first
	Agencies       []AgencySummary `json:"agencies"`
	Rectifications struct {
		Open    int `json:"open"`
		Closed  int `json:"closed"`
		Overdue int `json:"overdue"`
	} `json:"rectifications"`
}

// bands are the score ranges the summary counts, highest first.
var bands = []struct {
	label string
	min   float64
}{{"90–100 分", 90}, {"80–89.9 分", 80}, {"70–79.9 分", 70}, {"60–69.9 分", 60}, {"60 分以下", -1}}

func ratingCounts(m map[Rating]int) []RatingCount {
	out := make([]RatingCount, len(Ratings))
	for i, r := range Ratings {
		out[i] = RatingCount{Rating: r, Label: r.Label(), Count: m[r]}
	}
	return out
}

// Summarize counts a campaign's results from its files, deductions and rectifications.
func (s *Service) Summarize(ctx context.Context, a enforcement.Actor, id uuid.UUID) (Summary, error) {
	e, err := s.FindEvaluation(ctx, a, id)
	if err != nil {
		return Summary{}, err
	}
	r, err := s.Rubric(ctx, e.RubricID)
	if err != nil {
		return Summary{}, err
	}
	sm := Summary{Evaluation: e, ByRating: map[Rating]int{}}
	for _, b := range bands {
		sm.Distribution = append(sm.Distribution, Band{Label: b.label})
	}
	agencies := map[uuid.UUID]*AgencySummary{}
	type agencyRatings struct {
		sum     float64
		ratings map[Rating]int
	}
	per := map[uuid.UUID]*agencyRatings{}
	rows, _ := s.db.Query(ctx, `SELECT f.agency_id, ag.name, f.total::float8, f.rating FROM evaluation_files f
		JOIN agencies ag ON ag.id = f.agency_id WHERE f.evaluation_id = $1 ORDER BY ag.name, f.agency_id`, id)
	var agency uuid.UUID
	var name string
	var total *float64
	var rating *Rating
	var sum float64
	if _, err := pgx.ForEachRow(rows, []any{&agency, &name, &total, &rating}, func() error {
		as := agencies[agency]
		if as == nil {
			as = &AgencySummary{AgencyID: agency, Name: name}
			agencies[agency] = as
			per[agency] = &agencyRatings{ratings: map[Rating]int{}}
		}
		as.Files++
		sm.Files++
		if total == nil {
			return nil
		}
		as.Scored++
		sm.Scored++
		sm.ByRating[*rating]++
		per[agency].ratings[*rating]++
		per[agency].sum += *total
		sum += *total
		if sm.Scored == 1 || *total < sm.Min {
			sm.Min = *total
		}
		if *total > sm.Max {
			sm.Max = *total
		}
		for i, b := range bands {
			if *total >= b.min {
				sm.Distribution[i].Count++
				break
			}
		}
		return nil
	}); err != nil {
		return Summary{}, enforcement.DBError(err, "评查案卷")
	}
	if sm.Scored > 0 {
		sm.Mean = round1(sum / float64(sm.Scored))
	}
	sm.Ratings = ratingCounts(sm.ByRating)

	tallies := map[string]*ItemTally{}
	rows, _ = s.db.Query(ctx, `SELECT d.item_code, f.agency_id, count(*), sum(d.points)::float8 FROM evaluation_deductions d
		JOIN evaluation_files f ON f.evaluation_id = d.evaluation_id AND f.case_id = d.case_id
		WHERE d.evaluation_id = $1 AND (d.points > 0 OR d.veto) GROUP BY d.item_code, f.agency_id`, id)
	var code string
	var files int
	var points float64
	if _, err := pgx.ForEachRow(rows, []any{&code, &agency, &files, &points}, func() error {
		t := tallies[code]
		if t == nil {
			it, _ := r.Item(code)
			t = &ItemTally{Code: code, Title: it.Title, Group: it.Group}
			tallies[code] = t
		}
		t.Files += files
		t.Points = round1(t.Points + points)
		if as := agencies[agency]; as != nil {
			as.Problems += files
		}
		return nil
	}); err != nil {
		return Summary{}, enforcement.DBError(err, "扣分")
	}
	for _, t := range tallies {
		sm.Problems = append(sm.Problems, *t)
	}
	slices.SortFunc(sm.Problems, func(a, b ItemTally) int {
		if a.Files != b.Files {
			return b.Files - a.Files
		}
		return slices.IndexFunc(r.Items, func(it Item) bool { return it.Code == a.Code }) -
			slices.IndexFunc(r.Items, func(it Item) bool { return it.Code == b.Code })
	})
	if sm.Problems == nil {
		sm.Problems = []ItemTally{}
	}

	rows, _ = s.db.Query(ctx, `SELECT agency_id, state, due_on < $2 FROM rectifications WHERE evaluation_id = $1`, id, s.Cases.Today())
	var state string
	var late bool
	if _, err := pgx.ForEachRow(rows, []any{&agency, &state, &late}, func() error {
		as := agencies[agency]
		if state == "closed" {
			sm.Rectifications.Closed++
			if as != nil {
				as.Closed++
			}
			return nil
		}
		sm.Rectifications.Open++
		if late {
			sm.Rectifications.Overdue++
		}
		if as != nil {
			as.Open++
		}
		return nil
	}); err != nil {
		return Summary{}, enforcement.DBError(err, "整改事项")
	}

	for _, as := range agencies {
		if as.Scored > 0 {
			as.Mean = round1(per[as.AgencyID].sum / float64(as.Scored))
		}
		as.Ratings = ratingCounts(per[as.AgencyID].ratings)
		sm.Agencies = append(sm.Agencies, *as)
	}
	slices.SortFunc(sm.Agencies, func(a, b AgencySummary) int {
		if a.Mean != b.Mean {
			if a.Mean > b.Mean {
				return -1
			}
			return 1
		}
		if a.Name < b.Name {
			return -1
		}
		return 1
	})
	if sm.Agencies == nil {
		sm.Agencies = []AgencySummary{}
	}
	return sm, nil
}
