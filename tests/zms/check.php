<?php
// slotplan's driver of ZMS's own zmsentities classes (it-at-m/eappointment) on a ZMS export.
// php check.php ZMSENTITIES_SRC INPUT.json  ->  JSON on stdout.
// INPUT: {timezone, records: [availability…], queries: [{scopes, date, time, now, duration}],
//         posts: [{scope, selectedDate}], conflicts: {from, to}}
// For each query: the online (public) capacity ZMS offers for an appointment at date+time, found the
// way ZMS's slot repository does (Availability::hasDate -> isBookable, getSlotList, on the current
// day SlotList::withTimeGreaterThan, withReducedSlots), and only where
// SlotList::withSlotsForAppointment() fits the appointment into one record's slots.
// For each post: the errors of POST /availability/'s validation loop (AvailabilityListUpdate), run on
// AvailabilityList::validateTimeRangesAndRules. conflicts: AvailabilityList::getConflicts per scope.

declare(strict_types=1);

use BO\Zmsentities\Appointment;
use BO\Zmsentities\Availability;
use BO\Zmsentities\Collection\AvailabilityList;
use BO\Zmsentities\Exception\AppointmentNotFitInSlotList;
use BO\Zmsentities\Helper\DateTime;

[$script, $src, $inputFile] = $argv;
spl_autoload_register(function (string $class) use ($src): void {
    $prefix = 'BO\\Zmsentities\\';
    if (strncmp($class, $prefix, strlen($prefix)) === 0) {
        $file = $src . '/' . str_replace('\\', '/', substr($class, strlen($prefix))) . '.php';
        if (is_file($file)) {
            require $file;
        }
    }
});

$input = json_decode(file_get_contents($inputFile), true, 512, JSON_THROW_ON_ERROR);
date_default_timezone_set($input['timezone']);

$byScope = [];
foreach ($input['records'] as $i => $data) {
    $availability = new Availability($data);
    $availability['id'] = $i + 1;  // ZMS gives every stored record an id; overlap checks skip equal ids
    $byScope[(string) $data['scope']['id']][] = $availability;
}

function capacity(array $availabilities, string $date, string $time, string $now, int $duration): int
{
    static $openedOn = [], $slotLists = [];  // per record: isOpenedOnDate by date, and its slot list
    $day = DateTime::create($date . ' 00:00:00');
    $moment = DateTime::create($now);
    $total = 0;
    foreach ($availabilities as $availability) {
        $id = $availability['id'];
        $openedOn[$id][$date] ??= $availability->isOpenedOnDate($day);
        if (!$openedOn[$id][$date] || !$availability->hasDate($day, $moment)) {  // hasDate repeats the first
            continue;
        }
        $slotList = $slotLists[$id] ??= $availability->getSlotList();
        if ($day->format('Y-m-d') === $moment->format('Y-m-d')) {
            $slotList = $slotList->withTimeGreaterThan($moment);
        }
        $slotCount = (int) ceil($duration / $availability->slotTimeInMinutes);
        $reduced = $slotList->withReducedSlots($slotCount);
        foreach ($reduced as $slot) {
            if ($slot->time !== $time || $slot['public'] < 1) {
                continue;
            }
            $appointment = new Appointment(['slotCount' => $slotCount]);
            $appointment->setDateTime(DateTime::create("$date $time:00"));
            try {
                $slotLists[$id]->withSlotsForAppointment($appointment);
            } catch (AppointmentNotFitInSlotList $exception) {
                continue;
            }
            $total += (int) $slot['public'];
        }
    }
    return $total;
}

$out = ['capacity' => [], 'posts' => [], 'conflicts' => []];
foreach ($input['queries'] as $query) {
    $availabilities = [];
    foreach ($query['scopes'] as $scope) {
        foreach ($byScope[(string) $scope] ?? [] as $availability) {
            $availabilities[] = $availability;
        }
    }
    $out['capacity'][] = capacity($availabilities, $query['date'], $query['time'], $query['now'], $query['duration']);
}

foreach ($input['posts'] ?? [] as $post) {
    // AvailabilityListUpdate::readResponse: each new record is validated against the list of those
    // already there (none: the day's records are removed first) and of those validated before it.
    $existing = new AvailabilityList();
    $errors = [];
    $selectedDate = \DateTimeImmutable::createFromFormat('Y-m-d H:i:s', $post['selectedDate'] . ' 00:00:00');
    foreach ($byScope[(string) $post['scope']] ?? [] as $availability) {
        if (date('Y-m-d', (int) $availability->startDate) !== $post['selectedDate']) {
            continue;
        }
        $startDate = (new \DateTimeImmutable())->setTimestamp((int) $availability->startDate);
        $endDate = (new \DateTimeImmutable())->setTimestamp((int) $availability->endDate);
        $found = $existing->validateTimeRangesAndRules(
            new \DateTimeImmutable("{$startDate->format('Y-m-d')} {$availability->startTime}"),
            new \DateTimeImmutable("{$endDate->format('Y-m-d')} {$availability->endTime}"),
            $selectedDate,
            $availability->kind ?? 'default',
            $availability->bookable['startInDays'],
            $availability->bookable['endInDays'],
            $availability->weekday
        );
        // stricter than the controller: the validators of the new record itself, on its own data
        $own = (new AvailabilityList([$availability]))->validateTimeRangesAndRules(
            new \DateTimeImmutable("{$startDate->format('Y-m-d')} {$availability->startTime}"),
            new \DateTimeImmutable("{$endDate->format('Y-m-d')} {$availability->endTime}"),
            $selectedDate,
            'default',
            $availability->bookable['startInDays'],
            $availability->bookable['endInDays'],
            $availability->weekday
        );
        foreach (array_merge($found, $own) as $error) {
            $errors[] = $error['type'] . ': ' . $error['message'] . " ({$availability->startTime}-{$availability->endTime})";
        }
        $existing->addEntity($availability);
    }
    $out['posts'][] = $errors;
}

if (isset($input['conflicts'])) {
    $from = DateTime::create($input['conflicts']['from'] . ' 00:00:00');
    $to = DateTime::create($input['conflicts']['to'] . ' 23:59:59');
    foreach ($byScope as $scope => $availabilities) {
        $list = new AvailabilityList($availabilities);
        foreach ($list->getConflicts($from, $to) as $process) {
            $out['conflicts'][] = "scope $scope: " . $process->amendment . ' '
                . $process->getFirstAppointment()->getStartTime()->format('Y-m-d H:i');
        }
    }
}

echo json_encode($out, JSON_THROW_ON_ERROR), "\n";
