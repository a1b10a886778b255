/* Fuzz target: the data-channel parsers, as gstnvcfsession.cpp calls
 * them: the whole input is one message, read both as a "control" request
 * (parse_control_message, answered with control_reply) and as an "input"
 * event (parse_input_message). */
#include <cmath>

#include "fuzz.h"
#include "input.h"

namespace {

void check_event(const nvcf::NavigationEvent& ev) {
  FUZZ_CHECK(std::string(nvcf::navigation_event_name(ev.type)) != "unknown", "event type %d",
             static_cast<int>(ev.type));
  FUZZ_CHECK((ev.modifier_state & ~nvcf::kModifierAllMask) == 0, "modifier bits %x",
             ev.modifier_state);
  bool key = ev.type == nvcf::NavigationEvent::Type::KeyPress ||
             ev.type == nvcf::NavigationEvent::Type::KeyRelease;
  FUZZ_CHECK(!key || !ev.key.empty(), "key event without a key");
  FUZZ_CHECK(fuzz::is_utf8(ev.key), "key not UTF-8");
  FUZZ_CHECK(!ev.mid || fuzz::is_utf8(*ev.mid), "mid not UTF-8");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text = fuzz::text_of(data, size);

  nvcf::ControlParse control = nvcf::parse_control_message(text);
  fuzz::check_verdict(control.request.has_value(), control.error, "control");
  if (control.request) {
    const nvcf::ControlRequest& rq = *control.request;
    FUZZ_CHECK(control.id && *control.id == rq.id, "control: request id not reported");
    if (rq.kind == nvcf::ControlRequest::Kind::Navigation) {
      check_event(rq.navigation);
      FUZZ_CHECK(rq.navigation.mid == rq.mid, "control: event mid differs from the request's");
    } else {
      FUZZ_CHECK(!rq.structure_name.empty(), "control: empty structure name");
      fuzz::check_json_object(rq.structure_json, "custom event structure");
    }
  }
  /* The answer the session sends on the channel for every request. */
  fuzz::check_json_object(nvcf::control_reply(control.id, control.error), "control reply");

  nvcf::InputParse input = nvcf::parse_input_message(text);
  fuzz::check_verdict(input.event.has_value(), input.error, "input");
  if (input.event)
    check_event(*input.event);
  return 0;
}
