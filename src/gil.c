/* placeholder: being written */
#include "config.h"
#include "gil.h"
