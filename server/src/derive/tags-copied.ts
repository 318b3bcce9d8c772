// Tags copied from the source into the derived object (issue 3, item 9: "Derived DICOM built
// from explicit lists: tags copied from the source, tags we set"). Nothing else of the source
// reaches the derived object: no private tags, no overlays, no icon, no attributes outside the
// modules below. A copied value is written as the source has it, with two exceptions made in
// repair.ts: legacy ACR-NEMA dates and times are converted to DA/TM, and a one-valued Pixel
// Aspect Ratio of "1" (meaning 1:1) is dropped. Identifiers (PatientID, AccessionNumber,
// StudyID, ...) are never touched, even when over-long for their VR: dciodvfy then reports
// the same complaint on the derived object as on the source.
//
// Each group says why it still holds for the derived image. Denoising keeps the geometry,
// the photometric meaning and the stored value range of every pixel, so everything that
// describes the acquisition, the geometry or the display of the pixels stays true.

import type { Vr } from './dataset.js';

export interface CopiedTag {
  readonly tag: string;
  readonly vr: Vr;
  readonly keyword: string;
}

export interface CopiedGroup {
  readonly module: string;
  readonly why: string;
  readonly tags: readonly CopiedTag[];
}

type Row = readonly [tag: string, vr: Vr, keyword: string];
const group = (module: string, why: string, rows: readonly Row[]): CopiedGroup => ({
  module,
  why,
  tags: rows.map(([tag, vr, keyword]) => ({ tag, vr, keyword })),
});

export const COPIED_GROUPS: readonly CopiedGroup[] = [
  group('Patient, Clinical Trial Subject', 'same patient; identifiers verbatim so the PACS files the result with its source', [
    ['00100010', 'PN', 'PatientName'], ['00100020', 'LO', 'PatientID'], ['00100021', 'LO', 'IssuerOfPatientID'],
    ['00100022', 'CS', 'TypeOfPatientID'], ['00100024', 'SQ', 'IssuerOfPatientIDQualifiersSequence'],
    ['00100030', 'DA', 'PatientBirthDate'], ['00100032', 'TM', 'PatientBirthTime'], ['00100040', 'CS', 'PatientSex'],
    ['00100200', 'CS', 'QualityControlSubject'], ['00101000', 'LO', 'OtherPatientIDs'], ['00101001', 'PN', 'OtherPatientNames'],
    ['00101002', 'SQ', 'OtherPatientIDsSequence'], ['00102160', 'SH', 'EthnicGroup'], ['00104000', 'LT', 'PatientComments'],
    ['00102201', 'LO', 'PatientSpeciesDescription'], ['00102202', 'SQ', 'PatientSpeciesCodeSequence'],
    ['00102292', 'LO', 'PatientBreedDescription'], ['00102293', 'SQ', 'PatientBreedCodeSequence'],
    ['00102294', 'SQ', 'BreedRegistrationSequence'], ['00102297', 'PN', 'ResponsiblePerson'],
    ['00102298', 'CS', 'ResponsiblePersonRole'], ['00102299', 'LO', 'ResponsibleOrganization'],
    ['00120062', 'CS', 'PatientIdentityRemoved'], ['00120063', 'LO', 'DeidentificationMethod'],
    ['00120064', 'SQ', 'DeidentificationMethodCodeSequence'], ['00120010', 'LO', 'ClinicalTrialSponsorName'],
    ['00120020', 'LO', 'ClinicalTrialProtocolID'], ['00120021', 'LO', 'ClinicalTrialProtocolName'],
    ['00120030', 'LO', 'ClinicalTrialSiteID'], ['00120031', 'LO', 'ClinicalTrialSiteName'],
    ['00120040', 'LO', 'ClinicalTrialSubjectID'], ['00120042', 'LO', 'ClinicalTrialSubjectReadingID'],
  ]),
  group('General Study, Patient Study, Clinical Trial Study', 'the derived series belongs to the source study', [
    ['0020000D', 'UI', 'StudyInstanceUID'], ['00080020', 'DA', 'StudyDate'], ['00080030', 'TM', 'StudyTime'],
    ['00080090', 'PN', 'ReferringPhysicianName'], ['00080096', 'SQ', 'ReferringPhysicianIdentificationSequence'],
    ['0008009C', 'PN', 'ConsultingPhysicianName'], ['0008009D', 'SQ', 'ConsultingPhysicianIdentificationSequence'],
    ['00200010', 'SH', 'StudyID'], ['00080050', 'SH', 'AccessionNumber'], ['00080051', 'SQ', 'IssuerOfAccessionNumberSequence'],
    ['00081030', 'LO', 'StudyDescription'], ['00081048', 'PN', 'PhysiciansOfRecord'],
    ['00081049', 'SQ', 'PhysiciansOfRecordIdentificationSequence'], ['00081060', 'PN', 'NameOfPhysiciansReadingStudy'],
    ['00081062', 'SQ', 'PhysiciansReadingStudyIdentificationSequence'], ['00321034', 'SQ', 'RequestingServiceCodeSequence'],
    ['00081110', 'SQ', 'ReferencedStudySequence'], ['00081032', 'SQ', 'ProcedureCodeSequence'],
    ['00401012', 'SQ', 'ReasonForPerformedProcedureCodeSequence'], ['00081080', 'LO', 'AdmittingDiagnosesDescription'],
    ['00081084', 'SQ', 'AdmittingDiagnosesCodeSequence'], ['00101010', 'AS', 'PatientAge'], ['00101020', 'DS', 'PatientSize'],
    ['00101030', 'DS', 'PatientWeight'], ['00101022', 'DS', 'PatientBodyMassIndex'], ['00101023', 'DS', 'MeasuredAPDimension'],
    ['00101024', 'DS', 'MeasuredLateralDimension'], ['00102180', 'SH', 'Occupation'], ['001021B0', 'LT', 'AdditionalPatientHistory'],
    ['00380010', 'LO', 'AdmissionID'], ['00380014', 'SQ', 'IssuerOfAdmissionIDSequence'], ['00102203', 'CS', 'PatientSexNeutered'],
    ['001021A0', 'CS', 'SmokingStatus'], ['001021C0', 'US', 'PregnancyStatus'], ['001021D0', 'DA', 'LastMenstrualDate'],
    ['00120050', 'LO', 'ClinicalTrialTimePointID'], ['00120051', 'ST', 'ClinicalTrialTimePointDescription'],
  ]),
  group('General Series (source facts), Clinical Trial Series', 'body part, laterality, position and the order behind the image are unchanged; series date/time kept so the result sorts beside its source', [
    ['00080060', 'CS', 'Modality'], ['00200060', 'CS', 'Laterality'], ['00180015', 'CS', 'BodyPartExamined'],
    ['00185100', 'CS', 'PatientPosition'], ['00080021', 'DA', 'SeriesDate'], ['00080031', 'TM', 'SeriesTime'],
    ['00181030', 'LO', 'ProtocolName'], ['00081050', 'PN', 'PerformingPhysicianName'],
    ['00081052', 'SQ', 'PerformingPhysicianIdentificationSequence'], ['00081070', 'PN', 'OperatorsName'],
    ['00081072', 'SQ', 'OperatorIdentificationSequence'], ['00081111', 'SQ', 'ReferencedPerformedProcedureStepSequence'],
    ['00400275', 'SQ', 'RequestAttributesSequence'], ['00400253', 'SH', 'PerformedProcedureStepID'],
    ['00400244', 'DA', 'PerformedProcedureStepStartDate'], ['00400245', 'TM', 'PerformedProcedureStepStartTime'],
    ['00400254', 'LO', 'PerformedProcedureStepDescription'], ['00400260', 'SQ', 'PerformedProtocolCodeSequence'],
    ['00102210', 'CS', 'AnatomicalOrientationType'], ['00120060', 'LO', 'ClinicalTrialCoordinatingCenterName'],
    ['00120071', 'LO', 'ClinicalTrialSeriesID'], ['00120072', 'LO', 'ClinicalTrialSeriesDescription'],
  ]),
  group('General Equipment (of the source)', 'the equipment that acquired the pixels; SharpXR is added in ContributingEquipmentSequence', [
    ['00080070', 'LO', 'Manufacturer'], ['00080080', 'LO', 'InstitutionName'], ['00080081', 'ST', 'InstitutionAddress'],
    ['00081010', 'SH', 'StationName'], ['00081040', 'LO', 'InstitutionalDepartmentName'],
    ['00081041', 'SQ', 'InstitutionalDepartmentTypeCodeSequence'], ['00081090', 'LO', 'ManufacturerModelName'],
    ['00181000', 'LO', 'DeviceSerialNumber'], ['00181002', 'UI', 'DeviceUID'], ['00181008', 'LO', 'GantryID'],
    ['0018100A', 'SQ', 'UDISequence'], ['00181020', 'LO', 'SoftwareVersions'], ['00181050', 'DS', 'SpatialResolution'],
    ['00181200', 'DA', 'DateOfLastCalibration'], ['00181201', 'TM', 'TimeOfLastCalibration'],
    ['00181204', 'DA', 'DateOfManufacture'], ['00181205', 'DA', 'DateOfInstallation'],
  ]),
  group('Frame of Reference, Synchronization', 'pixel positions are unchanged, so the spatial frame still applies', [
    ['00200052', 'UI', 'FrameOfReferenceUID'], ['00201040', 'LO', 'PositionReferenceIndicator'],
  ]),
  group('General Acquisition, General Image (acquisition facts)', 'when and how the pixels were acquired; kept so viewers sort and hang the result with its source', [
    ['00080022', 'DA', 'AcquisitionDate'], ['00080032', 'TM', 'AcquisitionTime'], ['0008002A', 'DT', 'AcquisitionDateTime'],
    ['00080017', 'UI', 'AcquisitionUID'], ['00200012', 'IS', 'AcquisitionNumber'], ['00181800', 'CS', 'AcquisitionTimeSynchronized'],
    ['00201002', 'IS', 'ImagesInAcquisition'], ['00083010', 'UI', 'IrradiationEventUID'], ['00080023', 'DA', 'ContentDate'],
    ['00080033', 'TM', 'ContentTime'], ['00200020', 'CS', 'PatientOrientation'], ['00280300', 'CS', 'QualityControlImage'],
    ['00280302', 'CS', 'RecognizableVisualFeatures'], ['00080201', 'SH', 'TimezoneOffsetFromUTC'],
  ]),
  group('Image Pixel geometry, Modality LUT, VOI LUT, Presentation LUT', 'the stored values keep their range and meaning, so rescale, windows and LUTs display the result like its source', [
    ['00280030', 'DS', 'PixelSpacing'], ['00280A02', 'CS', 'PixelSpacingCalibrationType'],
    ['00280A04', 'LO', 'PixelSpacingCalibrationDescription'], ['00280034', 'IS', 'PixelAspectRatio'],
    ['00281052', 'DS', 'RescaleIntercept'], ['00281053', 'DS', 'RescaleSlope'], ['00281054', 'LO', 'RescaleType'],
    ['00283000', 'SQ', 'ModalityLUTSequence'], ['00281050', 'DS', 'WindowCenter'], ['00281051', 'DS', 'WindowWidth'],
    ['00281055', 'LO', 'WindowCenterWidthExplanation'], ['00281056', 'CS', 'VOILUTFunction'], ['00283010', 'SQ', 'VOILUTSequence'],
    ['20500020', 'CS', 'PresentationLUTShape'], ['00281040', 'CS', 'PixelIntensityRelationship'],
    ['00281041', 'SS', 'PixelIntensityRelationshipSign'],
  ]),
  group('CR Series, CR Image', 'acquisition facts of the computed radiograph', [
    ['00181160', 'SH', 'FilterType'], ['00181180', 'SH', 'CollimatorGridName'], ['00181190', 'DS', 'FocalSpots'],
    ['00181260', 'SH', 'PlateType'], ['00181261', 'LO', 'PhosphorType'], ['00180060', 'DS', 'KVP'], ['00181004', 'LO', 'PlateID'],
    ['00181110', 'DS', 'DistanceSourceToDetector'], ['00181111', 'DS', 'DistanceSourceToPatient'], ['00181150', 'IS', 'ExposureTime'],
    ['00181151', 'IS', 'XRayTubeCurrent'], ['00181152', 'IS', 'Exposure'], ['00181153', 'IS', 'ExposureInuAs'],
    ['00181170', 'IS', 'GeneratorPower'], ['00181400', 'LO', 'AcquisitionDeviceProcessingDescription'],
    ['00181401', 'LO', 'AcquisitionDeviceProcessingCode'], ['00181402', 'CS', 'CassetteOrientation'], ['00181403', 'CS', 'CassetteSize'],
    ['00181404', 'US', 'ExposuresOnPlate'], ['00181405', 'IS', 'RelativeXRayExposure'], ['00181411', 'DS', 'ExposureIndex'],
    ['00181412', 'DS', 'TargetExposureIndex'], ['00181413', 'DS', 'DeviationIndex'], ['00186000', 'DS', 'Sensitivity'],
  ]),
  group('DX Series, DX Anatomy Imaged, DX Image, DX Detector, DX Positioning', 'presentation intent, anatomy, detector and positioning of the digital radiograph', [
    ['00080068', 'CS', 'PresentationIntentType'], ['00200062', 'CS', 'ImageLaterality'], ['00082218', 'SQ', 'AnatomicRegionSequence'],
    ['00082228', 'SQ', 'PrimaryAnatomicStructureSequence'], ['00500004', 'CS', 'CalibrationImage'],
    ['00187004', 'CS', 'DetectorType'], ['00187005', 'CS', 'DetectorConfiguration'], ['00187006', 'LT', 'DetectorDescription'],
    ['00187008', 'LT', 'DetectorMode'], ['0018700A', 'SH', 'DetectorID'], ['0018700C', 'DA', 'DateOfLastDetectorCalibration'],
    ['0018700E', 'TM', 'TimeOfLastDetectorCalibration'], ['00187010', 'IS', 'ExposuresOnDetectorSinceLastCalibration'],
    ['00187011', 'IS', 'ExposuresOnDetectorSinceManufactured'], ['00187012', 'DS', 'DetectorTimeSinceLastExposure'],
    ['00187014', 'DS', 'DetectorActiveTime'], ['00187016', 'DS', 'DetectorActivationOffsetFromExposure'],
    ['0018701A', 'DS', 'DetectorBinning'], ['00187020', 'DS', 'DetectorElementPhysicalSize'],
    ['00187022', 'DS', 'DetectorElementSpacing'], ['00187024', 'CS', 'DetectorActiveShape'],
    ['00187026', 'DS', 'DetectorActiveDimensions'], ['00187028', 'DS', 'DetectorActiveOrigin'],
    ['0018702A', 'LO', 'DetectorManufacturerName'], ['0018702B', 'LO', 'DetectorManufacturerModelName'],
    ['00187030', 'DS', 'FieldOfViewOrigin'], ['00187032', 'DS', 'FieldOfViewRotation'], ['00187034', 'CS', 'FieldOfViewHorizontalFlip'],
    ['00181164', 'DS', 'ImagerPixelSpacing'], ['00181114', 'DS', 'EstimatedRadiographicMagnificationFactor'],
    ['00181149', 'IS', 'FieldOfViewDimensions'], ['00181147', 'CS', 'FieldOfViewShape'], ['00187060', 'CS', 'ExposureControlMode'],
    ['00187062', 'LT', 'ExposureControlModeDescription'], ['00187064', 'CS', 'ExposureStatus'],
    ['00185101', 'CS', 'ViewPosition'], ['00540220', 'SQ', 'ViewCodeSequence'], ['00540410', 'SQ', 'PatientOrientationCodeSequence'],
    ['00181508', 'CS', 'PositionerType'], ['00181510', 'DS', 'PositionerPrimaryAngle'],
    ['00181511', 'DS', 'PositionerSecondaryAngle'], ['00181530', 'DS', 'DetectorPrimaryAngle'],
    ['00181531', 'DS', 'DetectorSecondaryAngle'], ['00185104', 'SQ', 'ProjectionEponymousNameCodeSequence'],
    ['00181130', 'DS', 'TableHeight'], ['00181131', 'DS', 'TableTraverse'], ['00181138', 'DS', 'TableAngle'],
    ['00181134', 'CS', 'TableMotion'], ['00181135', 'DS', 'TableVerticalIncrement'],
  ]),
  group('X-Ray Acquisition Dose, Generation, Filtration, Grid, Collimator, Display Shutter', 'the exposure that produced the pixels', [
    ['00181155', 'CS', 'RadiationSetting'], ['00188150', 'DS', 'ExposureTimeInuS'], ['00188151', 'DS', 'XRayTubeCurrentInuA'],
    ['0018115E', 'DS', 'ImageAndFluoroscopyAreaDoseProduct'], ['00400302', 'US', 'EntranceDose'], ['00400303', 'US', 'ExposedArea'],
    ['00408302', 'DS', 'EntranceDoseInmGy'], ['00400316', 'DS', 'OrganDose'], ['00400318', 'CS', 'OrganExposed'],
    ['00400306', 'DS', 'DistanceSourceToEntrance'], ['00187050', 'CS', 'FilterMaterial'],
    ['00187052', 'DS', 'FilterThicknessMinimum'], ['00187054', 'DS', 'FilterThicknessMaximum'],
    ['00181191', 'CS', 'AnodeTargetMaterial'], ['00181156', 'CS', 'RectificationType'], ['00181166', 'CS', 'Grid'],
    ['00187040', 'LT', 'GridAbsorbingMaterial'], ['00187041', 'LT', 'GridSpacingMaterial'], ['00187042', 'DS', 'GridThickness'],
    ['00187044', 'DS', 'GridPitch'], ['00187046', 'IS', 'GridAspectRatio'], ['00187048', 'DS', 'GridPeriod'],
    ['0018704C', 'DS', 'GridFocalDistance'], ['00181700', 'CS', 'CollimatorShape'], ['00181702', 'IS', 'CollimatorLeftVerticalEdge'],
    ['00181704', 'IS', 'CollimatorRightVerticalEdge'], ['00181706', 'IS', 'CollimatorUpperHorizontalEdge'],
    ['00181708', 'IS', 'CollimatorLowerHorizontalEdge'], ['00181710', 'IS', 'CenterOfCircularCollimator'],
    ['00181712', 'IS', 'RadiusOfCircularCollimator'], ['00181720', 'IS', 'VerticesOfThePolygonalCollimator'],
    ['00181600', 'CS', 'ShutterShape'], ['00181602', 'IS', 'ShutterLeftVerticalEdge'], ['00181604', 'IS', 'ShutterRightVerticalEdge'],
    ['00181606', 'IS', 'ShutterUpperHorizontalEdge'], ['00181608', 'IS', 'ShutterLowerHorizontalEdge'],
    ['00181610', 'IS', 'CenterOfCircularShutter'], ['00181612', 'IS', 'RadiusOfCircularShutter'],
    ['00181620', 'IS', 'VerticesOfThePolygonalShutter'], ['00181622', 'US', 'ShutterPresentationValue'],
  ]),
  group('Contrast/Bolus, Acquisition Context', 'what was given to and recorded about the patient during the acquisition', [
    ['00180010', 'LO', 'ContrastBolusAgent'], ['00180012', 'SQ', 'ContrastBolusAgentSequence'], ['00181040', 'LO', 'ContrastBolusRoute'],
    ['00181041', 'DS', 'ContrastBolusVolume'], ['00181042', 'TM', 'ContrastBolusStartTime'], ['00181043', 'TM', 'ContrastBolusStopTime'],
    ['00181044', 'DS', 'ContrastBolusTotalDose'], ['00181048', 'CS', 'ContrastBolusIngredient'],
    ['00181049', 'DS', 'ContrastBolusIngredientConcentration'], ['00400555', 'SQ', 'AcquisitionContextSequence'],
    ['00400556', 'ST', 'AcquisitionContextDescription'],
  ]),
];

/** Every copied tag by key; built once, checked for duplicates at load. */
export const COPIED_TAGS: ReadonlyMap<string, CopiedTag & { module: string }> = (() => {
  const map = new Map<string, CopiedTag & { module: string }>();
  for (const g of COPIED_GROUPS) {
    for (const t of g.tags) {
      if (map.has(t.tag)) throw new Error(`tags-copied: ${t.keyword} (${t.tag}) is listed twice`);
      map.set(t.tag, { ...t, module: g.module });
    }
  }
  return map;
})();
