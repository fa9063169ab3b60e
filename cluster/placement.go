package cluster

// Placement is rendezvous (highest random weight) hashing: each candidate
// member scores an identity by mixing its own hash with the identity's, and
// the highest score owns it. Every member that sees the same candidates
// picks the same owner, with no registry and no leader; when a member
// leaves, only its identities move, and a member that joins takes about a
// 1/n share from the others and moves nothing else. These functions are
// pure: the view calls them, tests call them with tables.

// candidate is a member that hosts a kind, as placement sees it.
type candidate struct {
	addr string // the member's troupe address: what owns an identity
	hash uint64 // hashString(addr), computed once per view
}

// newCandidate returns the candidate for the member at addr.
func newCandidate(addr string) candidate { return candidate{addr: addr, hash: hashString(addr)} }

// hashID hashes an identity. The 0 byte between kind and name keeps
// ("ab", "c") apart from ("a", "bc"); a kind holds no 0 byte in practice
// and the mix below spreads any collision that remains.
func hashID(id ID) uint64 {
	h := uint64(fnvOffset)
	h = fnvAdd(h, id.Kind)
	h = (h ^ 0) * fnvPrime
	return fnvAdd(h, id.Name)
}

// owner returns the index in cands of the candidate that owns the identity
// whose hash is hid, or -1 when cands is empty. Ties, which need equal
// 64-bit scores, go to the lower address so that every member agrees.
func owner(cands []candidate, hid uint64) int {
	best, bestScore := -1, uint64(0)
	for i := range cands {
		s := score(cands[i].hash, hid)
		if best < 0 || s > bestScore || (s == bestScore && cands[i].addr < cands[best].addr) {
			best, bestScore = i, s
		}
	}
	return best
}

// score is the weight of a member for an identity: both hashes mixed by
// murmur3's 64-bit finaliser, so that each member ranks identities
// independently of the others.
func score(member, id uint64) uint64 {
	x := member ^ (id * 0x9e3779b97f4a7c15)
	x ^= x >> 33
	x *= 0xff51afd7ed558ccd
	x ^= x >> 33
	x *= 0xc4ceb9fe1a85ec53
	x ^= x >> 33
	return x
}

// FNV-1a, 64 bits: stable across processes and Go releases, which
// hash/maphash (seeded per process) is not.
const (
	fnvOffset = 14695981039346656037
	fnvPrime  = 1099511628211
)

func fnvAdd(h uint64, s string) uint64 {
	for i := 0; i < len(s); i++ {
		h ^= uint64(s[i])
		h *= fnvPrime
	}
	return h
}

func hashString(s string) uint64 { return fnvAdd(fnvOffset, s) }
