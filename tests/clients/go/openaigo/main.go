// openai-go (v3) with its Azure options against a live emulator, over HTTPS (the client sends
// credentials only over HTTPS): one line per case, "PASS <case>" or "FAIL <case>: <why>".
// tests/clients/test_go.py runs it with EMULATOR_ENDPOINT, EMULATOR_KEY and SSL_CERT_FILE.
package main

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/openai/openai-go/v3"
	"github.com/openai/openai-go/v3/azure"
	"github.com/openai/openai-go/v3/option"
	"github.com/openai/openai-go/v3/responses"

	"aoai-emulator/clients/internal/verdicts"
)

const apiVersion = "2025-04-01-preview"

var (
	endpoint = os.Getenv("EMULATOR_ENDPOINT")
	apiKey   = os.Getenv("EMULATOR_KEY")
	ctx      = context.Background()
	question = []openai.ChatCompletionMessageParamUnion{openai.UserMessage("Name two rivers in Europe.")}
)

func newClient(extra ...option.RequestOption) openai.Client {
	options := append([]option.RequestOption{
		azure.WithEndpoint(endpoint, apiVersion),
		azure.WithAPIKey(apiKey),
		option.WithMaxRetries(0),
	}, extra...)
	return openai.NewClient(options...)
}

func chat(client openai.Client) error {
	completion, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: question})
	if err != nil {
		return err
	}
	if completion.Choices[0].Message.Content == "" {
		return errors.New("no content")
	}
	if completion.Usage.TotalTokens != completion.Usage.PromptTokens+completion.Usage.CompletionTokens {
		return errors.New("usage does not add up")
	}
	// Azure's extra fields stay readable through the raw JSON.
	var extra struct {
		PromptFilterResults []struct {
			ContentFilterResults map[string]map[string]any `json:"content_filter_results"`
		} `json:"prompt_filter_results"`
	}
	if err := json.Unmarshal([]byte(completion.RawJSON()), &extra); err != nil || len(extra.PromptFilterResults) != 1 {
		return fmt.Errorf("no prompt_filter_results: %v", err)
	}
	return nil
}

func stream(client openai.Client) error {
	plain, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: question})
	if err != nil {
		return err
	}
	events := client.Chat.Completions.NewStreaming(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: question})
	var text strings.Builder
	finish := ""
	for events.Next() {
		for _, choice := range events.Current().Choices {
			text.WriteString(choice.Delta.Content)
			if choice.FinishReason != "" {
				finish = choice.FinishReason
			}
		}
	}
	if err := events.Err(); err != nil {
		return err
	}
	if text.String() != plain.Choices[0].Message.Content {
		return errors.New("streamed text differs from the plain answer")
	}
	if finish != "stop" {
		return fmt.Errorf("finish_reason %q", finish)
	}
	return nil
}

func embeddings(client openai.Client) error {
	result, err := client.Embeddings.New(ctx, openai.EmbeddingNewParams{
		Model: "text-embedding-3-small",
		Input: openai.EmbeddingNewParamsInputUnion{OfArrayOfStrings: []string{"a river", "a lake"}},
	})
	if err != nil {
		return err
	}
	if len(result.Data) != 2 || len(result.Data[0].Embedding) != 1536 {
		return fmt.Errorf("%d vectors", len(result.Data))
	}
	norm := 0.0
	for _, x := range result.Data[0].Embedding {
		norm += x * x
	}
	if math.Abs(math.Sqrt(norm)-1) > 1e-3 {
		return fmt.Errorf("norm %f", math.Sqrt(norm))
	}
	return nil
}

func image(client openai.Client) error {
	result, err := client.Images.Generate(ctx, openai.ImageGenerateParams{
		Model:          "dall-e-3",
		Prompt:         "a lighthouse",
		ResponseFormat: openai.ImageGenerateParamsResponseFormatB64JSON,
	})
	if err != nil {
		return err
	}
	png, err := base64.StdEncoding.DecodeString(result.Data[0].B64JSON)
	if err != nil || string(png[1:4]) != "PNG" {
		return errors.New("not a PNG")
	}
	if binary.BigEndian.Uint32(png[16:20]) != 1024 || binary.BigEndian.Uint32(png[20:24]) != 1024 {
		return errors.New("not 1024x1024")
	}
	if result.Data[0].RevisedPrompt == "" {
		return errors.New("no revised_prompt")
	}
	return nil
}

func speak(client openai.Client, text string, format openai.AudioSpeechNewParamsResponseFormat) ([]byte, error) {
	response, err := client.Audio.Speech.New(ctx, openai.AudioSpeechNewParams{
		Model:          "tts",
		Input:          text,
		Voice:          openai.AudioSpeechNewParamsVoiceUnion{OfString: openai.String("alloy")},
		ResponseFormat: format,
	})
	if err != nil {
		return nil, err
	}
	defer response.Body.Close()
	return io.ReadAll(response.Body)
}

func speech(client openai.Client) error {
	wav, err := speak(client, "Rivers run to the sea.", openai.AudioSpeechNewParamsResponseFormatWAV)
	if err != nil {
		return err
	}
	if string(wav[0:4]) != "RIFF" || string(wav[8:12]) != "WAVE" {
		return errors.New("not a WAV file")
	}
	if rate := binary.LittleEndian.Uint32(wav[24:28]); rate != 24000 {
		return fmt.Errorf("sample rate %d", rate)
	}
	return nil
}

func transcription(client openai.Client) error {
	mp3, err := speak(client, "Meet me at nine.", openai.AudioSpeechNewParamsResponseFormatMP3)
	if err != nil {
		return err
	}
	heard, err := client.Audio.Transcriptions.New(ctx, openai.AudioTranscriptionNewParams{
		Model: "whisper",
		File:  openai.File(bytes.NewReader(mp3), "speech.mp3", "audio/mpeg"),
	})
	if err != nil {
		return err
	}
	if heard.Text != "Meet me at nine." {
		return fmt.Errorf("heard %q", heard.Text)
	}
	return nil
}

func completions(client openai.Client) error {
	result, err := client.Completions.New(ctx, openai.CompletionNewParams{
		Model:     "gpt-35-turbo-instruct",
		Prompt:    openai.CompletionNewParamsPromptUnion{OfString: openai.String("Once upon a time")},
		MaxTokens: openai.Int(12),
	})
	if err != nil {
		return err
	}
	if result.Choices[0].Text == "" || result.Usage.CompletionTokens > 12 {
		return errors.New("no text, or over max_tokens")
	}
	return nil
}

func unknownDeployment(client openai.Client) error {
	_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "no-such-deployment", Messages: question})
	var apiErr *openai.Error
	if !errors.As(err, &apiErr) {
		return fmt.Errorf("not an API error: %v", err)
	}
	if apiErr.StatusCode != http.StatusNotFound || apiErr.Code != "DeploymentNotFound" {
		return fmt.Errorf("status %d code %q", apiErr.StatusCode, apiErr.Code)
	}
	return nil
}

func responsesAPI(client openai.Client) error {
	ask := func(text string, previous string) (*responses.Response, error) {
		params := responses.ResponseNewParams{
			Model: "gpt-4o",
			Input: responses.ResponseNewParamsInputUnion{OfString: openai.String(text)},
		}
		if previous != "" {
			params.PreviousResponseID = openai.String(previous)
		}
		return client.Responses.New(ctx, params)
	}
	first, err := ask("Name a river.", "")
	if err != nil {
		return err
	}
	if first.Status != "completed" || first.OutputText() == "" {
		return fmt.Errorf("status %q", first.Status)
	}
	second, err := ask("And a lake?", first.ID)
	if err != nil {
		return err
	}
	if second.Usage.InputTokens <= first.Usage.InputTokens {
		return errors.New("the conversation did not continue")
	}
	events := client.Responses.NewStreaming(ctx, responses.ResponseNewParams{
		Model: "gpt-4o",
		Input: responses.ResponseNewParamsInputUnion{OfString: openai.String("Name a river.")},
	})
	var text strings.Builder
	last := ""
	for events.Next() {
		event := events.Current()
		if event.Type == "response.output_text.delta" {
			text.WriteString(event.Delta)
		}
		last = event.Type
	}
	if err := events.Err(); err != nil {
		return err
	}
	if last != "response.completed" || text.String() != first.OutputText() {
		return fmt.Errorf("stream ended with %q, text equal: %v", last, text.String() == first.OutputText())
	}
	return nil
}

func throttled(_ openai.Client) error {
	// Two 429s then success: the client's default of two retries gets through.
	testID := fmt.Sprintf("go-openai-%d", time.Now().UnixNano())
	retrying := openai.NewClient(
		azure.WithEndpoint(endpoint, apiVersion),
		azure.WithAPIKey(apiKey),
		option.WithHeader("x-emulator-scenario", "retry-then-succeed"),
		option.WithHeader("x-test-id", testID),
	)
	if _, err := retrying.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{Model: "gpt-4o", Messages: question}); err != nil {
		return err
	}
	return verdicts.Retried(endpoint, testID)
}

func main() {
	verdicts.Run(newClient(), []verdicts.Case[openai.Client]{
		{Name: "chat", Run: chat}, {Name: "stream", Run: stream}, {Name: "embeddings", Run: embeddings},
		{Name: "image", Run: image}, {Name: "speech", Run: speech}, {Name: "transcription", Run: transcription},
		{Name: "completions", Run: completions}, {Name: "error", Run: unknownDeployment}, {Name: "throttled", Run: throttled},
		{Name: "responses", Run: responsesAPI},
	})
}
