package server

import (
	"crypto/tls"
	"fmt"
	"slices"
)

// serverTLS builds the server's TLS config from the options, loading the
// certificate files if any; nil means plain TCP. The caller's config is
// copied, never changed.
func (c *config) serverTLS() (*tls.Config, error) {
	if c.tlsConfig == nil && c.certFile == "" {
		return nil, nil
	}
	cfg := &tls.Config{}
	if c.tlsConfig != nil {
		cfg = c.tlsConfig.Clone()
	}
	if c.certFile != "" {
		cert, err := tls.LoadX509KeyPair(c.certFile, c.keyFile)
		if err != nil {
			return nil, fmt.Errorf("server: loading TLS certificate: %w", err)
		}
		cfg.Certificates = append(slices.Clip(cfg.Certificates), cert)
	}
	if cfg.MinVersion < tls.VersionTLS12 {
		cfg.MinVersion = tls.VersionTLS12
	}
	return cfg, nil
}
