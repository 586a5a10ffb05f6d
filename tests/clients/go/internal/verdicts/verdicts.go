// Package verdicts holds what the Go client programs share: running the cases with a line
// of verdict each, and reading the statuses the emulator's journal recorded for a test id.
package verdicts

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
)

// Case is one check of a client against the emulator.
type Case[C any] struct {
	Name string
	Run  func(C) error
}

// Run prints "PASS <case>" or "FAIL <case>: <why>" for each case, in order.
func Run[C any](client C, cases []Case[C]) {
	for _, c := range cases {
		if err := c.Run(client); err != nil {
			fmt.Printf("FAIL %s: %s\n", c.Name, strings.Join(strings.Fields(err.Error()), " "))
		} else {
			fmt.Printf("PASS %s\n", c.Name)
		}
	}
}

// JournalStatuses gives the statuses of the requests the journal holds for testID, oldest first.
func JournalStatuses(endpoint, testID string) ([]int, error) {
	response, err := http.Get(endpoint + "/_emulator/requests?header=x-test-id:" + testID)
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	var journal struct {
		Requests []struct {
			Status int `json:"status"`
		} `json:"requests"`
	}
	if err := json.NewDecoder(response.Body).Decode(&journal); err != nil {
		return nil, err
	}
	statuses := make([]int, len(journal.Requests))
	for i, entry := range journal.Requests {
		statuses[i] = entry.Status
	}
	return statuses, nil
}

// Retried checks that the journal holds two 429s then a 200 for testID: a client that
// retried the retry-then-succeed scenario through to success.
func Retried(endpoint, testID string) error {
	statuses, err := JournalStatuses(endpoint, testID)
	if err != nil {
		return err
	}
	if fmt.Sprint(statuses) != "[429 429 200]" {
		return fmt.Errorf("statuses %v", statuses)
	}
	return nil
}
