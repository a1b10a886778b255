/* Data-channel input to upstream GStreamer events: see gstnvcfnavigation.h.
 *
 * No debug category: these helpers report failures to the caller, which logs
 * them against its own session object.
 */
#include "gstnvcfnavigation.h"

#include "core/json.h"

#include <gst/video/navigation.h>
#include <json-glib/json-glib.h>

#include <string_view>

/* core/input.h keeps the mask values without including GStreamer. */
static_assert(nvcf::kModifierShiftMask == GST_NAVIGATION_MODIFIER_SHIFT_MASK);
static_assert(nvcf::kModifierLockMask == GST_NAVIGATION_MODIFIER_LOCK_MASK);
static_assert(nvcf::kModifierControlMask == GST_NAVIGATION_MODIFIER_CONTROL_MASK);
static_assert(nvcf::kModifierMod1Mask == GST_NAVIGATION_MODIFIER_MOD1_MASK);
static_assert(nvcf::kModifierMod2Mask == GST_NAVIGATION_MODIFIER_MOD2_MASK);
static_assert(nvcf::kModifierMod3Mask == GST_NAVIGATION_MODIFIER_MOD3_MASK);
static_assert(nvcf::kModifierMod4Mask == GST_NAVIGATION_MODIFIER_MOD4_MASK);
static_assert(nvcf::kModifierMod5Mask == GST_NAVIGATION_MODIFIER_MOD5_MASK);
static_assert(nvcf::kModifierButton1Mask == GST_NAVIGATION_MODIFIER_BUTTON1_MASK);
static_assert(nvcf::kModifierButton2Mask == GST_NAVIGATION_MODIFIER_BUTTON2_MASK);
static_assert(nvcf::kModifierButton3Mask == GST_NAVIGATION_MODIFIER_BUTTON3_MASK);
static_assert(nvcf::kModifierButton4Mask == GST_NAVIGATION_MODIFIER_BUTTON4_MASK);
static_assert(nvcf::kModifierButton5Mask == GST_NAVIGATION_MODIFIER_BUTTON5_MASK);
static_assert(nvcf::kModifierSuperMask == GST_NAVIGATION_MODIFIER_SUPER_MASK);
static_assert(nvcf::kModifierHyperMask == GST_NAVIGATION_MODIFIER_HYPER_MASK);
static_assert(nvcf::kModifierMetaMask == GST_NAVIGATION_MODIFIER_META_MASK);
static_assert(nvcf::kModifierAllMask == GST_NAVIGATION_MODIFIER_MASK);

GstEvent* gst_nvcf_navigation_event_new(const nvcf::NavigationEvent& ev) {
  using Type = nvcf::NavigationEvent::Type;
  /* Unknown bits would be carried along into the event as is: drop them. */
  GstNavigationModifierType state =
      (GstNavigationModifierType)(ev.modifier_state & GST_NAVIGATION_MODIFIER_MASK);

  switch (ev.type) {
    case Type::MouseMove:
      return gst_navigation_event_new_mouse_move(ev.x, ev.y, state);
    case Type::MouseButtonPress:
      return gst_navigation_event_new_mouse_button_press(ev.button, ev.x, ev.y, state);
    case Type::MouseButtonRelease:
      return gst_navigation_event_new_mouse_button_release(ev.button, ev.x, ev.y, state);
    case Type::MouseScroll:
      return gst_navigation_event_new_mouse_scroll(ev.x, ev.y, ev.delta_x, ev.delta_y, state);
    case Type::KeyPress:
      return gst_navigation_event_new_key_press(ev.key.c_str(), state);
    case Type::KeyRelease:
      return gst_navigation_event_new_key_release(ev.key.c_str(), state);
    case Type::TouchDown:
      return gst_navigation_event_new_touch_down(ev.identifier, ev.x, ev.y, ev.pressure, state);
    case Type::TouchMotion:
      return gst_navigation_event_new_touch_motion(ev.identifier, ev.x, ev.y, ev.pressure, state);
    case Type::TouchUp:
      return gst_navigation_event_new_touch_up(ev.identifier, ev.x, ev.y, state);
    case Type::TouchFrame:
      return gst_navigation_event_new_touch_frame(state);
    case Type::TouchCancel:
      return gst_navigation_event_new_touch_cancel(state);
  }
  g_assert_not_reached();
  return NULL;
}

static void set_error(std::string* error, const std::string& message) {
  if (error)
    *error = message;
}

/* gst_structure_new_empty() g_return_if_fail()s on the names that
 * GStreamer's private gst_structure_validate_name() refuses, so the same rule
 * is checked here: a viewer's bad name must be an answer, not a critical.
 * 0.10-style raw caps names pass that check but make it g_warning(). */
static gboolean structure_name_is_valid(const std::string& name) {
  if (name.empty() || !g_ascii_isalpha(name[0]))
    return FALSE;
  for (char c : std::string_view(name).substr(1)) {
    if (!g_ascii_isalnum(c) && std::string_view("/-_.:+").find(c) == std::string_view::npos)
      return FALSE;
  }
  return name.compare(0, 12, "video/x-raw-") != 0 && name.compare(0, 12, "audio/x-raw-") != 0;
}

/* Fills @value from a JSON member; FALSE when it has no GType to map to. */
static gboolean json_member_to_value(JsonNode* node, GValue* value) {
  switch (JSON_NODE_TYPE(node)) {
    case JSON_NODE_NULL:
      return FALSE;
    case JSON_NODE_OBJECT:
    case JSON_NODE_ARRAY:
      g_value_init(value, G_TYPE_STRING);
      g_value_take_string(value, json_to_string(node, FALSE));
      return TRUE;
    case JSON_NODE_VALUE:
      break;
  }

  switch (json_node_get_value_type(node)) {
    case G_TYPE_BOOLEAN:
      g_value_init(value, G_TYPE_BOOLEAN);
      g_value_set_boolean(value, json_node_get_boolean(node));
      return TRUE;
    case G_TYPE_INT64: {
      gint64 v = json_node_get_int(node);
      /* gst_structure_get_int() is what most handlers call */
      if (v >= G_MININT && v <= G_MAXINT) {
        g_value_init(value, G_TYPE_INT);
        g_value_set_int(value, (gint)v);
      } else {
        g_value_init(value, G_TYPE_INT64);
        g_value_set_int64(value, v);
      }
      return TRUE;
    }
    case G_TYPE_DOUBLE:
      g_value_init(value, G_TYPE_DOUBLE);
      g_value_set_double(value, json_node_get_double(node));
      return TRUE;
    case G_TYPE_STRING:
      /* json-glib refuses input that is not UTF-8, lone surrogate escapes
       * included, so GstStructure gets no string it would warn about. */
      g_value_init(value, G_TYPE_STRING);
      g_value_set_string(value, json_node_get_string(node));
      return TRUE;
    default:
      return FALSE;
  }
}

GstEvent* gst_nvcf_custom_upstream_event_new(const std::string& structure_name,
                                             const std::string& structure_json,
                                             std::string* error) {
  if (!structure_name_is_valid(structure_name)) {
    set_error(error, "invalid structure name \"" + structure_name + "\"");
    return NULL;
  }

  /* Through the core's one JSON helper, with its depth guard. */
  auto doc = nvcf::json::parse_object(structure_json, error);
  if (!doc) {
    if (error)
      *error = "invalid structure JSON: " + *error;
    return NULL;
  }

  GstStructure* s = gst_structure_new_empty(structure_name.c_str());
  JsonObject* object = doc->root;
  GList* names = json_object_get_members(object);
  gboolean ok = TRUE;

  for (GList* l = names; l && ok; l = l->next) {
    const gchar* name = (const gchar*)l->data;
    GValue value = G_VALUE_INIT;

    if (!json_member_to_value(json_object_get_member(object, name), &value)) {
      set_error(error, std::string("structure field \"") + name + "\" is null, which has no type");
      ok = FALSE;
    } else {
      gst_structure_take_value(s, name, &value);
    }
  }
  g_list_free(names);

  if (!ok) {
    gst_structure_free(s);
    return NULL;
  }
  return gst_event_new_custom(GST_EVENT_CUSTOM_UPSTREAM, s);
}
