package inspection

import "context"

// CheckCap is the cap's check at a code's first issue, for the benchmark.
func CheckCap(s *Service, ctx context.Context, c Check) error { return s.checkCap(ctx, c) }
