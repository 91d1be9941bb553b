// The normalized report (render.h: render_json): knot's own writer, so that
// a report read tolerantly (and perhaps symbolized) comes out in the one
// canonical form, every field present.

#include "knot/report/report_json.h"
#include "knot/view/render.h"

namespace knot::view {

std::string render_json(const knot::report::Report& report) {
  return knot::report::to_json(report) + "\n";
}

}  // namespace knot::view
