package browsertest

import (
	"context"
	"fmt"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"
)

// Geolocation grants the pages of the browser of ctx the geolocation
// permission (for every origin) and makes the Geolocation API report the
// given position: latitude and longitude in degrees (WGS 84), accuracy in
// metres. Call it after New and before the page asks for the position; it
// holds for the tab of ctx until the test ends. It is a function rather
// than an Option of New because it needs the started browser.
func Geolocation(ctx context.Context, lat, lon, accuracy float64) error {
	tctx, cancel := context.WithTimeout(ctx, startTimeout)
	defer cancel()
	if _, err := chromedp.CallBrowser(tctx, browser.SetPermission, browser.SetPermissionParams{
		Permission: &browser.PermissionDescriptor{Name: "geolocation"}, Setting: browser.PermissionSettingGranted,
	}); err != nil {
		return fmt.Errorf("browsertest: geolocation permission: %w", err)
	}
	if _, err := chromedp.Call(tctx, emulation.SetGeolocationOverride, emulation.SetGeolocationOverrideParams{
		Latitude: &lat, Longitude: &lon, Accuracy: &accuracy,
	}); err != nil {
		return fmt.Errorf("browsertest: geolocation override: %w", err)
	}
	return nil
}
