// GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
// A real golang.org/x/crypto/ssh client for the lab's client matrix: HOST PORT USER KEYFILE; runs `true`
// with the library's default algorithms.
package main

import (
	"fmt"
	"net"
	"os"
	"time"

	"golang.org/x/crypto/ssh"
)

func main() {
	key, err := os.ReadFile(os.Args[4])
	if err != nil {
		fmt.Fprintln(os.Stderr, "go x/crypto:", err)
		os.Exit(1)
	}
	signer, err := ssh.ParsePrivateKey(key)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go x/crypto:", err)
		os.Exit(1)
	}
	cfg := &ssh.ClientConfig{User: os.Args[3], Auth: []ssh.AuthMethod{ssh.PublicKeys(signer)},
		HostKeyCallback: ssh.InsecureIgnoreHostKey(), Timeout: 20 * time.Second}
	client, err := ssh.Dial("tcp", net.JoinHostPort(os.Args[1], os.Args[2]), cfg)
	if err != nil {
		fmt.Fprintln(os.Stderr, "go x/crypto:", err)
		os.Exit(1)
	}
	session, err := client.NewSession()
	if err != nil {
		fmt.Fprintln(os.Stderr, "go x/crypto:", err)
		os.Exit(1)
	}
	if err := session.Run("true"); err != nil {
		fmt.Fprintln(os.Stderr, "go x/crypto:", err)
		os.Exit(1)
	}
}
