package sqlfingerprint

import "strings"

// Keyword flags: what the fingerprinter needs to know about a word. The later ones
// stand for comparisons with the word's text, which a bit test makes cheap.
const (
	kwKeyword     uint32 = 1 << iota // written in upper case
	kwFunc                           // a function name: no space before its '('
	kwOperation                      // starts a statement; the db_operation_name
	kwLiteral                        // TRUE, FALSE: a value, written as ?
	kwIn                             // IN: a list of values may follow
	kwValues                         // VALUES: rows follow
	kwWith                           // WITH: the operation is the first one after its clause
	kwBeforeTable                    // may stand between an operation's trigger and its table
	kwFrom                           // FROM, INTO, TABLE: triggers, after which a table is named
	kwInto
	kwTable
	kwTableNext      // an operation whose table is named right after it
	kwTableAfterFrom // an operation whose table is named after FROM
	kwTableAfterInto
	kwTableAfterTable
	kwJoin      // JOIN: a table is named after it
	kwTop       // TOP, PERCENT: SQL Server's row limit, which may stand between an operation and its table
	kwRecursive // RECURSIVE: a WITH clause's first name follows it
)

// A keyword is a word the fingerprinter knows: its upper-case spelling, the key under
// which it is found (see keywordKey), and its flags with its index in keywords, as a
// word token carries them.
type keyword struct {
	name string
	key  uint64
	tok  token
}

// maxKeywordLen is the length of the longest keyword, CURRENT_TIMESTAMP.
const maxKeywordLen = 17

// keywords are the words written in upper case, after keywords[0], which is none. The
// list need not be complete: a keyword missing from it only keeps the case it was
// written in. A word is found with one look-up in keywordSlots, a table without
// collisions on a hash of its key (keywordMult is the multiplier that makes it so,
// searched for once), and one comparison of integers.
var keywords, keywordSlots, keywordMult = func() ([256]keyword, [keywordSlotCount]uint8, uint64) {
	var list [256]keyword
	count := 1
	add := func(flags uint32, words string) {
		for _, w := range strings.Fields(words) {
			if count == len(list) {
				panic("sqlfingerprint: more keywords than a slot can number")
			}
			list[count] = keyword{name: w, key: keywordKey(packWord(w), len(w)), tok: token(kwKeyword|flags) | token(count)<<indexShift}
			count++
		}
	}
	add(0, `ALL AND ANY AS ASC BETWEEN BY CASE CAST COLUMN CONFLICT CONSTRAINT CROSS CURRENT_DATE
		CURRENT_TIMESTAMP DEFAULT DESC DISTINCT ELSE END ESCAPE EXCEPT FETCH FIRST FOR FOREIGN
		FULL GROUP HAVING ILIKE INDEX INNER INTERSECT INTERVAL IS KEY
		LEFT LIKE LIMIT LOCKED MATERIALIZED NATURAL NEXT NOTHING NOWAIT NULL NULLS OF OFFSET ON
		OR ORDER OUTER OVER PARTITION PRIMARY REFERENCES RETURNING RIGHT ROW ROWS SHARE SKIP
		SOME THEN TO UNION UNIQUE USING VIEW WHEN WHERE WINDOW WITHOUT ZONE
		INTEGER INT BIGINT SMALLINT TEXT VARCHAR BOOLEAN TIMESTAMP TIMESTAMPTZ DATE TIME NUMERIC REAL
		SERIAL BIGSERIAL BLOB JSON JSONB UUID ISOLATION LEVEL READ WRITE COMMITTED SERIALIZABLE WORK
		TRANSACTION`)
	add(kwIn, `IN`)
	add(kwValues, `VALUES`)
	add(kwWith, `WITH`)
	add(kwRecursive, `RECURSIVE`)
	add(kwFrom, `FROM`)
	add(kwInto|kwBeforeTable, `INTO`)
	add(kwTable|kwBeforeTable, `TABLE`)
	add(kwJoin, `JOIN`)
	add(kwTop, `TOP PERCENT`)
	// UPDATE ONLY t, DROP TABLE IF EXISTS t, INSERT IGNORE INTO t, CREATE TEMP TABLE t,
	// UPDATE LOW_PRIORITY t.
	add(kwBeforeTable, `ONLY IF NOT EXISTS IGNORE LATERAL TEMP TEMPORARY LOW_PRIORITY`)
	add(kwFunc, `ARRAY AVG COALESCE COUNT GREATEST LEAST LENGTH LOWER MAX MIN NOW NULLIF SUBSTRING SUM
		TRIM UPPER`)
	add(kwOperation|kwTableAfterFrom, `SELECT DELETE`)
	add(kwOperation|kwTableAfterInto, `INSERT REPLACE`)
	add(kwOperation|kwTableNext, `UPDATE TRUNCATE COPY MERGE`) // MERGE [INTO] t: INTO is skipped as ONLY is
	add(kwOperation|kwTableAfterTable, `CREATE DROP ALTER`)
	add(kwOperation, `ANALYZE BEGIN CALL CLOSE COMMIT DEALLOCATE DECLARE DO EXEC EXECUTE EXPLAIN GRANT
		LISTEN LOCK NOTIFY PRAGMA PREPARE REINDEX RELEASE RESET REVOKE ROLLBACK SAVEPOINT SET SHOW
		START UNLISTEN USE VACUUM`)
	add(kwLiteral, `TRUE FALSE`)

	keys := make(map[uint64]string, count)
	for _, kw := range list[1:count] {
		if other, ok := keys[kw.key]; ok {
			panic("sqlfingerprint: keywords " + other + " and " + kw.name + " have one key")
		}
		keys[kw.key] = kw.name
	}
	// Multipliers from a fixed sequence (SplitMix64) until one puts every keyword in a
	// slot of its own; with 179 keywords in 4096 slots about one in fifty does (a few
	// microseconds at start-up).
	seed := uint64(0x9E3779B97F4A7C15)
	for range 100000 {
		seed += 0x9E3779B97F4A7C15
		mult := (seed^seed>>31)*0xBF58476D1CE4E5B9 | 1
		var slots [keywordSlotCount]uint8
		for i := 1; i < count; i++ {
			h := keywordHash(list[i].key, mult)
			if slots[h] != 0 {
				break
			}
			slots[h] = uint8(i)
			if i == count-1 {
				return list, slots, mult
			}
		}
	}
	panic("sqlfingerprint: no collision-free hash for the keywords")
}()

// keywordSlotCount is the size of the keyword table: over twenty times the number of
// keywords, so that a multiplier without collisions is found in a few dozen tries.
const keywordSlotCount = 1 << keywordSlotBits

const keywordSlotBits = 12

// packWord packs the first eight bytes of a word, case-folded, into an integer: c&0xDF
// maps a lower-case ASCII letter to its upper case, and no byte that can appear in a
// word other than a letter or '_' to a letter or '_', so a word matches a keyword
// exactly when it is the keyword but for the case of letters. No byte of a word packs
// to zero, so the integer also tells the length of words up to eight bytes.
func packWord[S string | []byte](w S) (key0 uint64) {
	for i := 0; i < len(w) && i < 8; i++ {
		key0 |= uint64(w[i]&0xDF) << (8 * i)
	}
	return key0
}

// keywordKey is the key of a word of n bytes whose first eight pack to key0. A word of
// up to eight bytes is its own key. A longer word is keyed by its first seven bytes and
// a top byte of 0x20+n, whose bit 5 no packed byte has (c&0xDF clears it): its key is
// no shorter word's, and words of other lengths have other keys.
func keywordKey(key0 uint64, n int) uint64 {
	if n <= 8 {
		return key0
	}
	return key0&(1<<56-1) | uint64(0x20+n)<<56
}

// keywordHash is the slot of a key.
func keywordHash(key uint64, mult uint64) uint32 {
	return uint32(key*mult>>(64-keywordSlotBits)) & (keywordSlotCount - 1)
}

// findKeyword is the keyword whose key is key, if any: keywords[0] otherwise.
func findKeyword(key uint64) *keyword {
	return &keywords[keywordSlots[keywordHash(key, keywordMult)]]
}

// lookupKeyword finds the keyword w is, whatever its case; it returns keywords[0], which
// is none, for any other word.
func lookupKeyword(w []byte) *keyword { return findWord(packWord(w), w) }

// findWord is lookupKeyword for a word whose first eight bytes pack to key0, as
// packWord packs them: run packs them as it copies the word.
func findWord(key0 uint64, w []byte) *keyword {
	if len(w) > maxKeywordLen {
		return &keywords[0]
	}
	key := keywordKey(key0, len(w))
	if kw := findKeyword(key); kw.key == key && len(kw.name) == len(w) && (len(w) <= 8 || equalFold(w[7:], kw.name[7:])) {
		return kw
	}
	return &keywords[0]
}

// equalFold compares w with upper, an upper-case keyword, as packWord does.
func equalFold(w []byte, upper string) bool {
	for i := range w {
		if w[i]&0xDF != upper[i] {
			return false
		}
	}
	return true
}
