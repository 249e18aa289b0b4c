package app

import (
	"io/fs"
	"path"
	"slices"
	"strings"
	"time"
)

// unionFS serves the site's static files (web/static, paths "static/…")
// together with the files contexts ship with their pages, each mounted at
// "static/<name>/…" (the hearing room's scripts at static/hearing/room.js).
type unionFS struct {
	base   fs.FS
	mounts map[string]fs.FS // "static/hearing" → files
}

func (u unionFS) Open(name string) (fs.File, error) {
	for at, sub := range u.mounts {
		if name == at {
			return sub.Open(".")
		}
		if strings.HasPrefix(name, at+"/") {
			return sub.Open(strings.TrimPrefix(name, at+"/"))
		}
	}
	return u.base.Open(name)
}

// ReadDir lists a directory of the base with the mount points added as
// directories (fs.WalkDir finds the mounted files through them).
func (u unionFS) ReadDir(name string) ([]fs.DirEntry, error) {
	for at, sub := range u.mounts {
		if name == at {
			return fs.ReadDir(sub, ".")
		}
		if strings.HasPrefix(name, at+"/") {
			return fs.ReadDir(sub, strings.TrimPrefix(name, at+"/"))
		}
	}
	ents, err := fs.ReadDir(u.base, name)
	if err != nil {
		return nil, err
	}
	for at := range u.mounts {
		if path.Dir(at) == name && !slices.ContainsFunc(ents, func(e fs.DirEntry) bool { return e.Name() == path.Base(at) }) {
			ents = append(ents, mountDir(path.Base(at)))
		}
	}
	slices.SortFunc(ents, func(a, b fs.DirEntry) int { return strings.Compare(a.Name(), b.Name()) })
	return ents, nil
}

// mountDir is the directory entry of a mount point.
type mountDir string

func (d mountDir) Name() string               { return string(d) }
func (d mountDir) IsDir() bool                { return true }
func (d mountDir) Type() fs.FileMode          { return fs.ModeDir }
func (d mountDir) Info() (fs.FileInfo, error) { return d, nil }
func (d mountDir) Size() int64                { return 0 }
func (d mountDir) Mode() fs.FileMode          { return fs.ModeDir | 0o555 }
func (d mountDir) ModTime() time.Time         { return time.Time{} }
func (d mountDir) Sys() any                   { return nil }
