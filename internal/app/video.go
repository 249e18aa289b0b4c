package app

import (
	"context"

	"github.com/ecourt/ecourt/internal/hearing"
	"github.com/ecourt/ecourt/internal/platform/errs"
)

// rooms is the video rooms of hearings.
func (a *App) rooms() hearing.Rooms { return noVideo{} }

// noVideo answers every video call with "unavailable": a platform without
// a video backend still schedules hearings, keeps records and exchanges
// evidence; entering a room says plainly that video is not available.
type noVideo struct{}

func unavailable() error { return errs.New(errs.Unavailable, "error.unavailable") }

func (noVideo) URL() string                                                 { return "" }
func (noVideo) CreateRoom(context.Context, string) error                    { return unavailable() }
func (noVideo) DeleteRoom(context.Context, string) error                    { return unavailable() }
func (noVideo) Token(context.Context, hearing.TokenRequest) (string, error) { return "", unavailable() }
func (noVideo) Admit(context.Context, string, string, hearing.Perms) error  { return unavailable() }
func (noVideo) Hold(context.Context, string, string) error                  { return unavailable() }
func (noVideo) Mute(context.Context, string, string, bool) error            { return unavailable() }
func (noVideo) Remove(context.Context, string, string) error                { return unavailable() }
