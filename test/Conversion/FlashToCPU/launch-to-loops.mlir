// RUN: flash-opt %s -split-input-file --flash-launch-to-loops | FileCheck %s
// RUN: flash-opt %s -split-input-file --flash-launch-to-loops=persistent-programs=5 | FileCheck %s --check-prefix=CAPPED
// RUN: not flash-opt %s -split-input-file --flash-launch-to-loops=persistent-programs=-1 2>&1 | FileCheck %s --check-prefix=NEGATIVE

// --flash-launch-to-loops: every flash.kernel function takes its program
// coordinates (x, y, z) as three trailing index arguments that replace
// flash.program_id, and loses the flash.kernel attribute (other attributes
// stay); every flash.launch becomes an scf.parallel over the grid, from 0 in
// steps of 1, calling the kernel with the launch arguments and the induction
// variables. Other functions are left alone.

// CHECK-LABEL: func.func private @kernel(
// CHECK-SAME: %[[BUF:[^:]+]]: memref<?xindex>, %[[N:[^:]+]]: index, %[[X:[^:]+]]: index, %[[Y:[^:]+]]: index, %[[Z:[^:]+]]: index) attributes {keep_me} {
// CHECK-NOT: flash.program_id
// CHECK-NEXT: %[[XY:.*]] = arith.muli %[[X]], %[[Y]] : index
// CHECK-NEXT: %[[XYZ:.*]] = arith.addi %[[XY]], %[[Z]] : index
// CHECK-NEXT: %[[I:.*]] = arith.addi %[[XYZ]], %[[X]] : index
// CHECK-NEXT: memref.store %[[N]], %[[BUF]][%[[I]]] : memref<?xindex>
// CHECK-NEXT: return

// CHECK-LABEL: func.func private @helper(
// CHECK-SAME: %{{[^:]+}}: index) -> index {

// CHECK-LABEL: func.func @host(
// CHECK-SAME: %[[HBUF:[^:]+]]: memref<?xindex>, %[[HN:[^:]+]]: index, %[[GX:[^:]+]]: index, %[[GY:[^:]+]]: index)
// CHECK-NEXT: %[[ONE:.*]] = arith.constant 1 : index
// CHECK-NEXT: %[[LB:.*]] = arith.constant 0 : index
// CHECK-NEXT: %[[STEP:.*]] = arith.constant 1 : index
// CHECK-NEXT: scf.parallel (%[[I:[^,]+]], %[[J:[^,]+]], %[[K:[^)]+]]) = (%[[LB]], %[[LB]], %[[LB]]) to (%[[GX]], %[[GY]], %[[ONE]]) step (%[[STEP]], %[[STEP]], %[[STEP]]) {
// CHECK-NEXT: func.call @kernel(%[[HBUF]], %[[HN]], %[[I]], %[[J]], %[[K]]) : (memref<?xindex>, index, index, index, index) -> ()
// CHECK-NEXT: scf.reduce
// CHECK-NEXT: }
// CHECK-NEXT: %[[M:.*]] = call @helper(%[[HN]]) : (index) -> index
// CHECK: scf.parallel (%[[I2:[^,]+]], %[[J2:[^,]+]], %[[K2:[^)]+]]) = (%{{[^,]+}}, %{{[^,]+}}, %{{[^)]+}}) to (%[[M]], %[[ONE]], %[[GY]]) step
// CHECK-NEXT: func.call @kernel(%[[HBUF]], %[[M]], %[[I2]], %[[J2]], %[[K2]]) : (memref<?xindex>, index, index, index, index) -> ()
// CHECK-NOT: flash.launch
// CHECK: return
func.func private @kernel(%buf: memref<?xindex>, %n: index) attributes {flash.kernel, keep_me} {
  %x = flash.program_id x
  %y = flash.program_id y
  %z = flash.program_id z
  %x_again = flash.program_id x
  %xy = arith.muli %x, %y : index
  %xyz = arith.addi %xy, %z : index
  %i = arith.addi %xyz, %x_again : index
  memref.store %n, %buf[%i] : memref<?xindex>
  return
}
func.func private @helper(%n: index) -> index {
  return %n : index
}
func.func @host(%buf: memref<?xindex>, %n: index, %gx: index, %gy: index) {
  %c1 = arith.constant 1 : index
  flash.launch @kernel grid(%gx, %gy, %c1) (%buf, %n) : memref<?xindex>, index
  %m = func.call @helper(%n) : (index) -> index
  flash.launch @kernel grid(%m, %c1, %gy) (%buf, %m) : memref<?xindex>, index
  return
}

// -----

// A launch nested in a region is lowered in place; the kernel is found
// wherever it sits in the module.

// CHECK-LABEL: func.func @nested(
// CHECK-SAME: %[[BUF:[^:]+]]: memref<?xindex>, %[[COND:[^:]+]]: i1, %[[G:[^:]+]]: index)
// CHECK-NEXT: scf.if %[[COND]] {
// CHECK: scf.parallel (%[[I:[^,]+]], %[[J:[^,]+]], %[[K:[^)]+]]) = ({{.*}}) to (%[[G]], %[[G]], %[[G]]) step
// CHECK-NEXT: func.call @kernel(%[[BUF]], %[[I]], %[[J]], %[[K]]) : (memref<?xindex>, index, index, index) -> ()

// CHECK-LABEL: func.func private @kernel(
// CHECK-SAME: %[[KBUF:[^:]+]]: memref<?xindex>, %{{[^:]+}}: index, %{{[^:]+}}: index, %[[KZ:[^:]+]]: index) {
// CHECK-NEXT: memref.store %[[KZ]], %[[KBUF]][%[[KZ]]] : memref<?xindex>
// CHECK-NEXT: return
func.func @nested(%buf: memref<?xindex>, %cond: i1, %g: index) {
  scf.if %cond {
    flash.launch @kernel grid(%g, %g, %g) (%buf) : memref<?xindex>
  }
  return
}
func.func private @kernel(%buf: memref<?xindex>) attributes {flash.kernel} {
  %z = flash.program_id z
  memref.store %z, %buf[%z] : memref<?xindex>
  return
}

// -----

// A kernel reading the grid's sizes (flash.num_programs, a persistent
// kernel's stride) also takes them, after its coordinates; its launches
// pass the loops' upper bounds.

// CHECK-LABEL: func.func @persistent(
// CHECK-SAME: %[[BUF:[^:]+]]: memref<?xindex>, %[[G:[^:]+]]: index)
// CHECK: %[[ONE:.*]] = arith.constant 1 : index
// CHECK: scf.parallel (%[[I:[^,]+]], %[[J:[^,]+]], %[[K:[^)]+]]) = ({{.*}}) to (%[[G]], %[[ONE]], %[[ONE]]) step
// CHECK-NEXT: func.call @strided(%[[BUF]], %[[I]], %[[J]], %[[K]], %[[G]], %[[ONE]], %[[ONE]]) : (memref<?xindex>, index, index, index, index, index, index) -> ()

// CHECK-LABEL: func.func private @strided(
// CHECK-SAME: %[[KBUF:[^:]+]]: memref<?xindex>, %[[X:[^:]+]]: index, %{{[^:]+}}: index, %{{[^:]+}}: index, %[[NX:[^:]+]]: index, %{{[^:]+}}: index, %{{[^:]+}}: index) {
// CHECK-NOT: flash.num_programs
// CHECK: scf.for %[[T:.*]] = %[[X]] to %{{.*}} step %[[NX]] {
func.func @persistent(%buf: memref<?xindex>, %g: index) {
  %c1 = arith.constant 1 : index
  flash.launch @strided grid(%g, %c1, %c1) (%buf) : memref<?xindex>
  return
}
func.func private @strided(%buf: memref<?xindex>) attributes {flash.kernel} {
  %c0 = arith.constant 0 : index
  %x = flash.program_id x
  %n = flash.num_programs x
  %tiles = memref.dim %buf, %c0 : memref<?xindex>
  scf.for %t = %x to %tiles step %n {
    memref.store %t, %buf[%t] : memref<?xindex>
  }
  return
}

// -----

// With persistent-programs=N, a kernel whose flash.grid says `persistent`
// runs as min(x, N) programs along x (which it also reads as the grid's
// size); other kernels keep their grid.

// CAPPED-LABEL: func.func @capped(
// CAPPED-SAME: %[[BUF:[^:]+]]: memref<?xindex>, %[[G:[^:]+]]: index)
// CAPPED-DAG: %[[ONE:.*]] = arith.constant 1 : index
// CAPPED-DAG: %[[FIVE:.*]] = arith.constant 5 : index
// CAPPED: %[[X:.*]] = arith.minui %[[G]], %[[FIVE]] : index
// CAPPED: scf.parallel (%[[I:[^,]+]], %[[J:[^,]+]], %[[K:[^)]+]]) = ({{.*}}) to (%[[X]], %[[ONE]], %[[ONE]]) step
// CAPPED-NEXT: func.call @tiles(%[[BUF]], %[[I]], %[[J]], %[[K]], %[[X]], %[[ONE]], %[[ONE]])
// CAPPED-NOT: arith.minui
// CAPPED: scf.parallel {{.*}} to (%[[G]], %[[ONE]], %[[ONE]]) step
// CAPPED-NEXT: func.call @one_a_program(
// CAPPED-LABEL: func.func private @tiles(
// CAPPED-NOT: flash.grid

// NEGATIVE: error: flash-launch-to-loops: persistent-programs must be 0 or more, got -1

// CHECK-LABEL: func.func @capped(
// CHECK-NOT: arith.minui
func.func @capped(%buf: memref<?xindex>, %g: index) {
  %c1 = arith.constant 1 : index
  flash.launch @tiles grid(%g, %c1, %c1) (%buf) : memref<?xindex>
  flash.launch @one_a_program grid(%g, %c1, %c1) (%buf) : memref<?xindex>
  return
}
func.func private @tiles(%buf: memref<?xindex>)
    attributes {flash.kernel, flash.grid = {block = 64 : i64, heads = "q", order = 0 : i64, persistent, rows = "q"}} {
  %c0 = arith.constant 0 : index
  %x = flash.program_id x
  %n = flash.num_programs x
  %tiles = memref.dim %buf, %c0 : memref<?xindex>
  scf.for %t = %x to %tiles step %n {
    memref.store %t, %buf[%t] : memref<?xindex>
  }
  return
}
func.func private @one_a_program(%buf: memref<?xindex>)
    attributes {flash.kernel, flash.grid = {block = 64 : i64, heads = "q", order = 1 : i64, rows = "q"}} {
  %x = flash.program_id x
  memref.store %x, %buf[%x] : memref<?xindex>
  return
}
