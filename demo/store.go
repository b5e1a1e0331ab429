package demo

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"time"
)

// ErrNotFound is returned when a requested row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the demo's data access on an SQL database with the demo's schema.
type Store struct{ db *sql.DB }

// User is an account of the vault.
type User struct {
	ID    int64  `json:"id"`
	Email string `json:"email"`
	Name  string `json:"name"`
}

// Folder groups a user's items.
type Folder struct {
	ID     int64  `json:"id"`
	UserID int64  `json:"user_id"`
	Name   string `json:"name"`
	Items  []Item `json:"items,omitempty"`
}

// Item is a vault entry. Its secret is stored but never sent back or logged.
type Item struct {
	ID       int64     `json:"id"`
	FolderID int64     `json:"folder_id"`
	Title    string    `json:"title"`
	Username string    `json:"username"`
	URL      string    `json:"url"`
	Updated  time.Time `json:"updated"`
	Secret   string    `json:"-"`
}

const schema = `
CREATE TABLE IF NOT EXISTS users (id INTEGER PRIMARY KEY, email TEXT NOT NULL UNIQUE, name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS folders (id INTEGER PRIMARY KEY, user_id INTEGER NOT NULL REFERENCES users(id), name TEXT NOT NULL);
CREATE TABLE IF NOT EXISTS vault_items (id INTEGER PRIMARY KEY, folder_id INTEGER NOT NULL REFERENCES folders(id),
	title TEXT NOT NULL, username TEXT NOT NULL, url TEXT NOT NULL, secret TEXT NOT NULL, updated INTEGER NOT NULL);
CREATE INDEX IF NOT EXISTS folders_user ON folders(user_id);
CREATE INDEX IF NOT EXISTS items_folder ON vault_items(folder_id);
`

// Seed sizes: enough rows that the N+1 endpoint runs a dozen queries per request.
const (
	seedUsers          = 20
	seedFoldersPerUser = 12
	seedItemsPerFolder = 8
)

// NewStore creates the schema in db and, when it is empty, seeds it.
func NewStore(ctx context.Context, db *sql.DB) (*Store, error) {
	if _, err := db.ExecContext(ctx, schema); err != nil {
		return nil, fmt.Errorf("create schema: %w", err)
	}
	s := &Store{db: db}
	var n int
	if err := db.QueryRowContext(ctx, "SELECT COUNT(*) FROM users").Scan(&n); err != nil {
		return nil, fmt.Errorf("count users: %w", err)
	}
	if n == 0 {
		if err := s.seed(ctx); err != nil {
			return nil, fmt.Errorf("seed: %w", err)
		}
	}
	return s, nil
}

func (s *Store) seed(ctx context.Context) error {
	tx, err := s.db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer func() { _ = tx.Rollback() }() // a no-op after Commit
	now := time.Now().Unix()
	for u := 1; u <= seedUsers; u++ {
		if _, err := tx.ExecContext(ctx, "INSERT INTO users (id, email, name) VALUES (?, ?, ?)",
			u, fmt.Sprintf("user%d@example.com", u), fmt.Sprintf("User %d", u)); err != nil {
			return err
		}
		for f := 1; f <= seedFoldersPerUser; f++ {
			fid := (u-1)*seedFoldersPerUser + f
			if _, err := tx.ExecContext(ctx, "INSERT INTO folders (id, user_id, name) VALUES (?, ?, ?)",
				fid, u, fmt.Sprintf("Folder %d", f)); err != nil {
				return err
			}
			for i := 1; i <= seedItemsPerFolder; i++ {
				if _, err := tx.ExecContext(ctx,
					"INSERT INTO vault_items (folder_id, title, username, url, secret, updated) VALUES (?, ?, ?, ?, ?, ?)",
					fid, fmt.Sprintf("Login %d", i), fmt.Sprintf("login%d", i), fmt.Sprintf("https://site%d.example", i),
					randomSecret(), now); err != nil {
					return err
				}
			}
		}
	}
	return tx.Commit()
}

// randomSecret stands in for a ciphertext.
func randomSecret() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux (Go 1.24+ it panics instead)
	return base64.StdEncoding.EncodeToString(b)
}

// User returns the user with the given id.
func (s *Store) User(ctx context.Context, id int64) (User, error) {
	var u User
	err := s.db.QueryRowContext(ctx, "SELECT id, email, name FROM users WHERE id = ?", id).Scan(&u.ID, &u.Email, &u.Name)
	if errors.Is(err, sql.ErrNoRows) {
		return u, ErrNotFound
	}
	return u, err
}

// Folders returns the folders of a user, without their items.
func (s *Store) Folders(ctx context.Context, userID int64) ([]Folder, error) {
	rows, err := s.db.QueryContext(ctx, "SELECT id, user_id, name FROM folders WHERE user_id = ? ORDER BY id", userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Folder
	for rows.Next() {
		var f Folder
		if err := rows.Scan(&f.ID, &f.UserID, &f.Name); err != nil {
			return nil, err
		}
		out = append(out, f)
	}
	return out, rows.Err()
}

// FolderItems returns the items of one folder.
func (s *Store) FolderItems(ctx context.Context, folderID int64) ([]Item, error) {
	rows, err := s.db.QueryContext(ctx,
		"SELECT id, folder_id, title, username, url, updated FROM vault_items WHERE folder_id = ? ORDER BY id", folderID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Item
	for rows.Next() {
		it, err := scanItem(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// VaultNPlusOne returns a user's folders with their items the naive way: one query for
// the folders, then one per folder. It is the demo's deliberate N+1.
func (s *Store) VaultNPlusOne(ctx context.Context, userID int64) ([]Folder, error) {
	folders, err := s.Folders(ctx, userID)
	if err != nil {
		return nil, err
	}
	for i := range folders {
		if folders[i].Items, err = s.FolderItems(ctx, folders[i].ID); err != nil {
			return nil, err
		}
	}
	return folders, nil
}

// VaultJoined returns the same as VaultNPlusOne with a single join.
func (s *Store) VaultJoined(ctx context.Context, userID int64) ([]Folder, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT f.id, f.user_id, f.name, i.id, i.folder_id, i.title, i.username, i.url, i.updated
		FROM folders f LEFT JOIN vault_items i ON i.folder_id = f.id WHERE f.user_id = ? ORDER BY f.id, i.id`, userID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Folder
	for rows.Next() {
		var f Folder
		var id, folderID, updated sql.NullInt64
		var title, username, url sql.NullString
		if err := rows.Scan(&f.ID, &f.UserID, &f.Name, &id, &folderID, &title, &username, &url, &updated); err != nil {
			return nil, err
		}
		if len(out) == 0 || out[len(out)-1].ID != f.ID {
			out = append(out, f)
		}
		if id.Valid {
			last := &out[len(out)-1]
			last.Items = append(last.Items, Item{ID: id.Int64, FolderID: folderID.Int64, Title: title.String,
				Username: username.String, URL: url.String, Updated: time.Unix(updated.Int64, 0).UTC()})
		}
	}
	return out, rows.Err()
}

// Item returns one item.
func (s *Store) Item(ctx context.Context, id int64) (Item, error) {
	row := s.db.QueryRowContext(ctx, "SELECT id, folder_id, title, username, url, updated FROM vault_items WHERE id = ?", id)
	it, err := scanItem(row)
	if errors.Is(err, sql.ErrNoRows) {
		return it, ErrNotFound
	}
	return it, err
}

// CreateItem stores a new item in an existing folder and returns it with its id.
func (s *Store) CreateItem(ctx context.Context, it Item) (Item, error) {
	var exists int
	if err := s.db.QueryRowContext(ctx, "SELECT COUNT(*) FROM folders WHERE id = ?", it.FolderID).Scan(&exists); err != nil {
		return it, err
	}
	if exists == 0 {
		return it, ErrNotFound
	}
	it.Updated = time.Now().UTC().Truncate(time.Second)
	res, err := s.db.ExecContext(ctx,
		"INSERT INTO vault_items (folder_id, title, username, url, secret, updated) VALUES (?, ?, ?, ?, ?, ?)",
		it.FolderID, it.Title, it.Username, it.URL, it.Secret, it.Updated.Unix())
	if err != nil {
		return it, err
	}
	it.ID, err = res.LastInsertId()
	return it, err
}

// ReuseReport counts, per user, the logins whose title another item shares: a
// password-reuse audit, and the demo's deliberately slow query (the self-join has no
// index to use, so it compares every pair of items).
func (s *Store) ReuseReport(ctx context.Context) (map[string]int, error) {
	rows, err := s.db.QueryContext(ctx, `SELECT u.email, COUNT(DISTINCT i.id) FROM users u
		JOIN folders f ON f.user_id = u.id
		JOIN vault_items i ON i.folder_id = f.id
		JOIN vault_items j ON j.title = i.title AND j.username = i.username AND j.id <> i.id
		GROUP BY u.email`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]int{}
	for rows.Next() {
		var email string
		var n int
		if err := rows.Scan(&email, &n); err != nil {
			return nil, err
		}
		out[email] = n
	}
	return out, rows.Err()
}

// Export returns every item of a user the way a naive exporter would: the folders, each
// folder's items, then each item again on its own to read it whole, over a hundred
// queries for one request. It is the demo's excessive-queries endpoint.
func (s *Store) Export(ctx context.Context, userID int64) ([]Item, error) {
	folders, err := s.Folders(ctx, userID)
	if err != nil {
		return nil, err
	}
	var out []Item
	for _, f := range folders {
		items, err := s.FolderItems(ctx, f.ID)
		if err != nil {
			return nil, err
		}
		for _, listed := range items {
			it, err := s.Item(ctx, listed.ID)
			if err != nil {
				return nil, err
			}
			out = append(out, it)
		}
	}
	return out, nil
}

type scanner interface{ Scan(dest ...any) error }

func scanItem(r scanner) (Item, error) {
	var it Item
	var updated int64
	err := r.Scan(&it.ID, &it.FolderID, &it.Title, &it.Username, &it.URL, &updated)
	it.Updated = time.Unix(updated, 0).UTC()
	return it, err
}
