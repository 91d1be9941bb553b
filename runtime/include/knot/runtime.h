// knot/runtime.h: everything the knot runtime offers, in one include.
#pragma once

#include "knot/runtime/blocking.h"
#include "knot/runtime/channel.h"
#include "knot/runtime/error.h"
#include "knot/runtime/isolate.h"
#include "knot/runtime/join.h"
#include "knot/runtime/latch.h"
#include "knot/runtime/mutex.h"
#include "knot/runtime/observer.h"
#include "knot/runtime/options.h"
#include "knot/runtime/parallel_for.h"
#include "knot/runtime/parallel_reduce.h"
#include "knot/runtime/parallel_sort.h"
#include "knot/runtime/scope.h"
#include "knot/runtime/snapshot.h"
#include "knot/runtime/this_thread.h"
#include "knot/runtime/thread_pool.h"
