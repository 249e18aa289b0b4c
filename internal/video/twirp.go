package video

import (
	"errors"

	"github.com/twitchtv/twirp"
)

func isNotFound(err error) bool {
	var te twirp.Error
	return errors.As(err, &te) && te.Code() == twirp.NotFound
}
