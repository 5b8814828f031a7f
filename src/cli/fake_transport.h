#pragma once
// FakeTransport: an HttpTransport for tests. It records every request it is given and answers
// from a queue of canned responses (or failures); when the queue is empty it answers 500.
// Header-only, for *_test.cc files; not thread-safe.

#include <deque>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "cli/http_client.h"

namespace latchkey::cli {

class FakeTransport : public HttpTransport {
 public:
  // Queues a response with `status` and a JSON `body`.
  void Answer(int status, std::string body) {
    HttpResponse response;
    response.status = status;
    response.content_type = "application/json";
    response.body = std::move(body);
    answers_.emplace_back(std::move(response));
  }
  // Queues a transport failure (connection refused, timeout...).
  void Fail(std::string reason) { answers_.emplace_back(Unavailable(std::move(reason))); }

  Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
    requests_.push_back(request);
    if (answers_.empty()) return HttpResponse{500, "Internal Server Error", "", ""};
    Result<HttpResponse> answer = std::move(answers_.front());
    answers_.pop_front();
    return answer;
  }

  const std::vector<HttpRequest>& requests() const { return requests_; }

  // A transport that forwards to this one, for code that wants to own its transport.
  std::unique_ptr<HttpTransport> Handle() { return std::make_unique<Forwarder>(*this); }

 private:
  class Forwarder : public HttpTransport {
   public:
    explicit Forwarder(HttpTransport& to) : to_(to) {}
    Result<HttpResponse> RoundTrip(const HttpRequest& request) override {
      return to_.RoundTrip(request);
    }

   private:
    HttpTransport& to_;
  };

  std::deque<Result<HttpResponse>> answers_;
  std::vector<HttpRequest> requests_;
};

}  // namespace latchkey::cli
