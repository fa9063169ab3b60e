package supervisor_test

import (
	"testing"

	"github.com/troupe-go/troupe/supervisor"
)

func TestAffected(t *testing.T) {
	one, all, rest := supervisor.OneForOne(), supervisor.AllForOne(), supervisor.RestForOne()
	tests := []struct {
		name           string
		s              *supervisor.Strategy
		n, failed      int
		wantLo, wantHi int
	}{
		{"one/only child", one, 1, 0, 0, 1},
		{"one/first", one, 5, 0, 0, 1},
		{"one/middle", one, 5, 2, 2, 3},
		{"one/last", one, 5, 4, 4, 5},
		{"all/only child", all, 1, 0, 0, 1},
		{"all/first", all, 5, 0, 0, 5},
		{"all/middle", all, 5, 2, 0, 5},
		{"all/last", all, 5, 4, 0, 5},
		{"rest/only child", rest, 1, 0, 0, 1},
		{"rest/first", rest, 5, 0, 0, 5},
		{"rest/middle", rest, 5, 2, 2, 5},
		{"rest/last", rest, 5, 4, 4, 5},
		{"rest/two, second", rest, 2, 1, 1, 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			lo, hi := tt.s.Affected(tt.n, tt.failed)
			if lo != tt.wantLo || hi != tt.wantHi {
				t.Errorf("Affected(%d, %d) = [%d, %d), want [%d, %d)", tt.n, tt.failed, lo, hi, tt.wantLo, tt.wantHi)
			}
		})
	}
}

func TestAffectedOutOfRangePanics(t *testing.T) {
	tests := []struct{ n, failed int }{{0, 0}, {-1, 0}, {3, 3}, {3, -1}, {1, 1}}
	for _, s := range []*supervisor.Strategy{supervisor.OneForOne(), supervisor.AllForOne(), supervisor.RestForOne()} {
		for _, tt := range tests {
			func() {
				defer func() {
					if recover() == nil {
						t.Errorf("%v: Affected(%d, %d) did not panic", s.Kind(), tt.n, tt.failed)
					}
				}()
				s.Affected(tt.n, tt.failed)
			}()
		}
	}
}
